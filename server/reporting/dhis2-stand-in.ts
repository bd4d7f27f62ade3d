import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { dataValueSetSchema, type DataValueSet } from '../../src/lib/domain/reporting/dhis2';

/**
 * Test support: a local HTTP server on 127.0.0.1 that stands in for a
 * national DHIS2, because a real DHIS2 (a Java server with PostgreSQL and
 * gigabytes of metadata) cannot run on these machines. It checks what a real
 * one checks at the door, the way the DHIS2 Web API documents it ("Sending
 * data values"): the method and path (`POST /api/dataValueSets`), the
 * credentials (HTTP Basic or `ApiToken`; 401 otherwise), the content type
 * (`application/json`; 415 otherwise) and the body (the documented data value
 * set shape; 400 otherwise), and it answers as DHIS2 2.36+ does: a WebMessage
 * wrapping an ImportSummary, 200 when every value was taken, 409 with a
 * conflict per value whose data element it does not know.
 */
export interface Dhis2StandIn {
  url: string;
  /** Every request that reached the data value set endpoint, as received. */
  received: { authorization: string; contentType: string; body: DataValueSet }[];
  /** Data elements this stand-in knows; values for others are conflicts. */
  knownDataElements: Set<string>;
  close(): Promise<void>;
}

export interface StandInOptions {
  username?: string;
  password?: string;
  token?: string;
  knownDataElements: string[];
}

function reply(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json;charset=UTF-8' });
  res.end(JSON.stringify(body));
}

export async function startDhis2StandIn(opts: StandInOptions): Promise<Dhis2StandIn> {
  const received: Dhis2StandIn['received'] = [];
  const known = new Set(opts.knownDataElements);
  // Which (data element, category option combo, period) cells hold a value already: a second send updates them.
  const stored = new Set<string>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url !== '/api/dataValueSets' || req.method !== 'POST') return reply(res, 404, { httpStatus: 'Not Found', httpStatusCode: 404, status: 'ERROR', message: 'Not found' });
      const auth = req.headers.authorization ?? '';
      const basicOk = opts.username !== undefined && auth === `Basic ${Buffer.from(`${opts.username}:${opts.password}`).toString('base64')}`;
      const tokenOk = opts.token !== undefined && auth === `ApiToken ${opts.token}`;
      if (!basicOk && !tokenOk) return reply(res, 401, { httpStatus: 'Unauthorized', httpStatusCode: 401, status: 'ERROR', message: 'Unauthorized' });
      const contentType = req.headers['content-type'] ?? '';
      if (!/^application\/json\b/.test(contentType)) return reply(res, 415, { httpStatus: 'Unsupported Media Type', httpStatusCode: 415, status: 'ERROR', message: 'Content type not supported' });
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        return reply(res, 400, { httpStatus: 'Bad Request', httpStatusCode: 400, status: 'ERROR', message: 'JSON parse error' });
      }
      const parsed = dataValueSetSchema.safeParse(body);
      if (!parsed.success) return reply(res, 400, { httpStatus: 'Bad Request', httpStatusCode: 400, status: 'ERROR', message: 'Invalid data value set' });
      received.push({ authorization: auth, contentType, body: parsed.data });
      let imported = 0;
      let updated = 0;
      const conflicts: { object: string; objects: Record<string, string>; value: string; errorCode: string; property: string; indexes: number[] }[] = [];
      parsed.data.dataValues.forEach((v, i) => {
        if (!known.has(v.dataElement)) {
          conflicts.push({ object: v.dataElement, objects: { dataElement: v.dataElement }, value: 'Data element not found or not accessible', errorCode: 'E7610', property: 'dataElement', indexes: [i] });
          return;
        }
        const cell = `${v.dataElement}.${v.categoryOptionCombo}.${parsed.data.period}`;
        if (stored.has(cell)) updated++;
        else imported++;
        stored.add(cell);
      });
      const status = conflicts.length ? 'WARNING' : 'SUCCESS';
      reply(res, conflicts.length ? 409 : 200, {
        httpStatus: conflicts.length ? 'Conflict' : 'OK',
        httpStatusCode: conflicts.length ? 409 : 200,
        status: conflicts.length ? 'WARNING' : 'OK',
        message: conflicts.length ? 'One more conflicts encountered, please check import summary.' : 'Import was successful.',
        response: {
          responseType: 'ImportSummary',
          status,
          importOptions: { idSchemes: {}, dryRun: false, async: false, importStrategy: 'CREATE_AND_UPDATE' },
          description: 'Import process completed successfully',
          importCount: { imported, updated, ignored: conflicts.length, deleted: 0 },
          conflicts,
          dataSetComplete: parsed.data.completeDate
        }
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    knownDataElements: known,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  };
}
