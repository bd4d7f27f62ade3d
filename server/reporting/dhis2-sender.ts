import { readImportSummary, type DataValueSet, type Dhis2Config, type ImportSummary } from '../../src/lib/domain/reporting/dhis2';

/**
 * Posts a data value set to the clinic's DHIS2 (`POST <base>/api/dataValueSets`,
 * JSON, DHIS2 Web API "Sending data values") and turns the answer into an
 * outcome a person can act on. Authentication is HTTP Basic, or a personal
 * access token sent as `Authorization: ApiToken <token>` (DHIS2 Web API,
 * "Personal access tokens", 2.37+).
 *
 * Redirects are not followed: the credentials go to the configured address
 * and nowhere else. DHIS2's own message texts are shown cut short; they hold
 * ids of metadata, never patient data (the payload has none).
 */
export type SendOutcome =
  | { ok: true; httpStatus: number; summary: ImportSummary }
  | { ok: false; reason: 'conflict'; httpStatus: number; summary: ImportSummary | null; message: string }
  | { ok: false; reason: 'unauthorized'; httpStatus: number; message: string }
  | { ok: false; reason: 'unreachable' | 'refused'; httpStatus: number | null; message: string };

export function authorizationHeader(config: Pick<Dhis2Config, 'authKind' | 'username'>, secret: string): string {
  return config.authKind === 'basic' ? `Basic ${Buffer.from(`${config.username}:${secret}`, 'utf8').toString('base64')}` : `ApiToken ${secret}`;
}

export function dataValueSetsUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/api/dataValueSets`;
}

const short = (s: string) => s.replace(/\s+/g, ' ').trim().slice(0, 300);

export async function sendDataValueSet(config: Dhis2Config, secret: string, payload: DataValueSet, timeoutMs = 30_000): Promise<SendOutcome> {
  let res: Response;
  try {
    res = await fetch(dataValueSetsUrl(config.baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', authorization: authorizationHeader(config, secret) },
      body: JSON.stringify(payload),
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs)
    });
  } catch (err) {
    const timedOut = (err as Error).name === 'TimeoutError';
    return { ok: false, reason: 'unreachable', httpStatus: null, message: timedOut ? 'DHIS2 did not answer in time.' : 'DHIS2 could not be reached at the configured address.' };
  }
  const text = await res.text().catch(() => '');
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const summary = readImportSummary(body);
  const message = short(typeof (body as { message?: unknown } | null)?.message === 'string' ? (body as { message: string }).message : '');
  if (res.status === 401 || res.status === 403) {
    return { ok: false, reason: 'unauthorized', httpStatus: res.status, message: 'DHIS2 refused the user name, password or token (HTTP ' + res.status + ').' };
  }
  if (res.status === 409) {
    return { ok: false, reason: 'conflict', httpStatus: 409, summary, message: message || 'DHIS2 refused some values (HTTP 409).' };
  }
  if (res.status >= 300 && res.status < 400) {
    return { ok: false, reason: 'refused', httpStatus: res.status, message: `DHIS2 answered with a redirect (HTTP ${res.status}); check the address.` };
  }
  if (res.ok && summary) {
    // DHIS2 answers 200 with status WARNING or ERROR when some values were ignored.
    if (summary.status === 'ERROR') return { ok: false, reason: 'conflict', httpStatus: res.status, summary, message: summary.description || 'DHIS2 did not import the values.' };
    return { ok: true, httpStatus: res.status, summary };
  }
  return { ok: false, reason: 'refused', httpStatus: res.status, message: message ? `DHIS2 answered HTTP ${res.status}: ${message}` : `DHIS2 answered HTTP ${res.status} without an import summary.` };
}
