import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../http/body';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';
import { SYNTHEA_DIR } from '../seed/synthea';
import { OperationOutcomeError } from './operation-outcome';
import { MAX_BUNDLE_ENTRIES, validateBundle } from './validate-bundle';

/**
 * Crafted FHIR input that once could crash or stall the server: a body
 * nested ten thousand levels deep (a stack overflow in every recursive
 * reader), a Bundle of a hundred thousand entries, a body past the size
 * limit. Each is refused with an OperationOutcome (400, or 413 for size),
 * never a 500, and nothing is stored.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let app: TestApp;
let cookie: string;
const valid = (): Json => JSON.parse(fs.readFileSync(path.join(SYNTHEA_DIR, 'Clemente_Kreiger_1484a42d-0eaf-4654-9cbf-6b050a5cd73b.json'), 'utf8'));

/** `{"a":{"a":…{}…}}`, `depth` objects deep, built as text (building it as an object would need the recursion under test). */
const deepObjectText = (depth: number) => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);

beforeAll(async () => {
  app = await startTestApp();
  await addClinic(app, 'Limits Clinic', [{ username: 'doc', roles: ['clinician'] }]);
  cookie = await sessionCookieFor(app.url, 'doc');
});

afterAll(async () => {
  await app.stop();
});

const updateRows = () => (app.db.prepare('SELECT count(*) AS n FROM doc_updates').get() as { n: number }).n;

function post(body: string): Promise<Response> {
  return fetch(`${app.url}/fhir/R4`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', cookie }, body });
}

describe('nesting depth', () => {
  it('measures depth without recursion, up to the limit and past it', () => {
    expect(nestedDeeperThan(JSON.parse(deepObjectText(MAX_JSON_DEPTH)), MAX_JSON_DEPTH)).toBe(false);
    expect(nestedDeeperThan(JSON.parse(deepObjectText(MAX_JSON_DEPTH + 1)), MAX_JSON_DEPTH)).toBe(true);
    expect(nestedDeeperThan(JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)), MAX_JSON_DEPTH)).toBe(true);
    expect(nestedDeeperThan('not nested', MAX_JSON_DEPTH)).toBe(false);
  });

  it('refuses a resource nested 10,000 levels deep with a 400 OperationOutcome and stores nothing', async () => {
    const bundle = valid();
    const text = JSON.stringify(bundle).replace('"resourceType":"Patient"', `"_crafted":[${deepObjectText(10_000)}],"resourceType":"Patient"`);
    const rows = updateRows();
    const res = await post(text);
    expect(res.status).toBe(400);
    const outcome = (await res.json()) as Json;
    expect(outcome.resourceType).toBe('OperationOutcome');
    expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'invalid' });
    expect(outcome.issue[0].diagnostics).toContain(`nested too deeply (at most ${MAX_JSON_DEPTH} levels`);
    expect(updateRows()).toBe(rows);
  });

  it('refuses arrays nested 10,000 deep the same way', async () => {
    const res = await post(`{"resourceType":"Bundle","type":"transaction","entry":${'['.repeat(10_000)}${']'.repeat(10_000)}}`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).resourceType).toBe('OperationOutcome');
  });

  it('refuses a deep Bundle handed to the importer in-process (no stack overflow)', () => {
    const bundle = valid();
    bundle.entry[0].resource.extension = [JSON.parse(deepObjectText(10_000))];
    let thrown: unknown;
    try {
      validateBundle(bundle);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(OperationOutcomeError);
    expect((thrown as OperationOutcomeError).status).toBe(400);
    expect((thrown as OperationOutcomeError).issues[0]).toMatchObject({ code: 'too-costly', expression: ['Bundle'] });
  });

  it('refuses deep JSON on the other JSON endpoints too', async () => {
    const res = await fetch(`${app.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: deepObjectText(2_000) });
    expect(res.status).toBe(400);
    expect(((await res.json()) as Json).error.code).toBe('invalid');
  });
});

describe('entry count', () => {
  it(`refuses a Bundle of 100,000 entries (more than ${MAX_BUNDLE_ENTRIES.toLocaleString('en')}) with a 400 OperationOutcome`, async () => {
    const bundle = valid();
    const obs = bundle.entry.find((e: Json) => e.resource.resourceType === 'Observation');
    bundle.entry = [bundle.entry[0], ...Array.from({ length: 100_000 }, () => ({ resource: { resourceType: 'Basic' } })), obs];
    const rows = updateRows();
    const res = await post(JSON.stringify(bundle));
    expect(res.status).toBe(400);
    const outcome = (await res.json()) as Json;
    expect(outcome.issue[0]).toMatchObject({ severity: 'error', code: 'too-costly', expression: ['Bundle.entry'] });
    expect(outcome.issue[0].diagnostics).toBe('A Bundle may carry at most 10,000 entries; this one carries 100,002. Split the record into several transactions.');
    expect(updateRows()).toBe(rows);
  });

  it('imports a Bundle under the limit (positive control)', async () => {
    const res = await post(JSON.stringify(valid()));
    expect(res.status).toBe(200);
    expect(((await res.json()) as Json).type).toBe('transaction-response');
  });
});

describe('body size', () => {
  it('answers a body declared past 32 MiB with a 413 OperationOutcome before reading it', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(app.port, '127.0.0.1', () => {
        socket.write(`POST /fhir/R4 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/fhir+json\r\nCookie: ${cookie}\r\nContent-Length: ${40 * 1024 * 1024}\r\n\r\n{"resourceType":"Bundle"`);
      });
      let out = '';
      socket.setEncoding('utf8');
      socket.on('data', (d: string) => {
        out += d;
        if (out.includes('OperationOutcome')) socket.destroy();
      });
      socket.on('close', () => resolve(out));
      socket.on('error', reject);
    });
    expect(text).toMatch(/^HTTP\/1\.1 413 /);
    const outcome = JSON.parse(text.slice(text.indexOf('\r\n\r\n') + 4)) as Json;
    expect(outcome).toMatchObject({ resourceType: 'OperationOutcome', issue: [{ code: 'too-costly', diagnostics: 'The request is too large (limit 32 MiB).' }] });
  });
});
