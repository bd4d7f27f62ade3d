import fs from 'node:fs';
import type { TLSSocket } from 'node:tls';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../../src/lib/domain/errors';
import type { Role } from '../../../src/lib/domain/roles';
import { TooManyExports, type BulkExporter, type ExportJob, type ExportLevel } from '../../fhir/export/bulk-export';
import { OperationOutcomeError, sendFhir } from '../../fhir/operation-outcome';
import type { BearerResult } from '../../smart/smart-routes';
import { permits } from '../../smart/scopes';
import type { Audit } from '../../types';
import { requireUser, type RequestContext, type Route } from '../context';

/**
 * FHIR Bulk Data Access (IG 2.0.0, https://hl7.org/fhir/uv/bulkdata/),
 * the clinic's way out with all its data:
 *
 * - kick-off: `GET /fhir/R4/$export` (system), `GET /fhir/R4/Group/<clinicId>/$export`
 *   (the clinic is the one Group), `GET /fhir/R4/Patient/$export`; needs
 *   `Prefer: respond-async`; takes `_outputFormat` (application/fhir+ndjson,
 *   the default, or its synonyms application/ndjson and ndjson), `_type`
 *   (comma-separated resource types) and `_since` (a FHIR instant; see
 *   bulk-export.ts for what it selects). Any other parameter is refused (400),
 *   never silently ignored. Answers 202 with Content-Location: the status URL.
 * - status: `GET /fhir/R4/$export-status/<job>` — 202 with X-Progress while
 *   running, then 200 with the manifest (requiresAccessToken: true, the files
 *   need the same session), or 500 with an OperationOutcome if the job failed.
 *   `DELETE` on it cancels a running job or deletes a finished one's files
 *   (202); afterwards the status URL and the files answer 404.
 * - files: `GET /fhir/R4/$export-file/<job>/<Type>-<n>.ndjson`, application/fhir+ndjson.
 *
 * Who: clinicians and administrators of the clinic — the administrator must
 * be able to take the clinic's data out, though the chart screens stay
 * closed to them. Nurses (whose access is for care of the patients in front
 * of them), the front desk (demographics only: never clinical data) and
 * patients are refused (403, audited authz.denied). A job, its status and its
 * files belong to the user who started it; anyone else gets 404.
 *
 * SMART backend clients (smart/smart-routes.ts) export with
 * `Authorization: Bearer <token>` instead of a session: their own clinic
 * only (another clinic's Group is 404, as for staff), and only the types
 * their scopes let them read (`r`): `system/*.rs` exports everything,
 * `system/Patient.rs` only Patient files. A token without read on any type
 * is 403; a `_type` naming a type outside the scopes is 403 (never a file
 * silently left out). A client's job belongs to that client: another
 * client, or any staff member, gets 404 on its status and files. A bearer
 * token that is unknown, expired or of a disabled client is 401, even with
 * a session. Everything a client does is audited with its client id.
 *
 * Audited as `fhir.export`: the kick-off (level, types, whether _since was
 * given), the end of the job (patients and resources per type), each file
 * download (type, count) and a cancel, with counts only, never patient data.
 * One running job per clinic: another kick-off is answered 429 with Retry-After.
 * Files are deleted 24 hours after the job ends, or at the client's DELETE;
 * a server restart drops every job (status then 404) and its files.
 */
export interface FhirBulkDeps {
  exporter: BulkExporter;
  audit: Audit;
  /** Resolves `Authorization: Bearer` (smart-routes.ts); without it only sessions are accepted. */
  bearer?: (req: RequestContext['req']) => BearerResult;
}

/** Who exports: a staff member or an API client, and the owner key its jobs are kept under. */
interface Exporter {
  clinicId: string;
  owner: string;
  userId: string | null;
  clientId?: string;
  /** A client's granted scopes; undefined for staff (their role decides). */
  scopes?: string[];
}

const EXPORT_ROLES: readonly Role[] = ['clinician', 'admin'];
const OUTPUT_FORMATS = ['application/fhir+ndjson', 'application/ndjson', 'ndjson'];
const TYPE_RE = /^[A-Z][A-Za-z]{1,63}$/;
const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const RETRY_AFTER_S = 30;

const bad = (diagnostics: string, param?: string) =>
  new OperationOutcomeError(400, [{ severity: 'error', code: 'invalid', diagnostics, ...(param ? { expression: [param] } : {}) }]);
const notFound = (diagnostics: string) => new OperationOutcomeError(404, [{ severity: 'error', code: 'not-found', diagnostics }]);

function baseUrl(ctx: RequestContext): string {
  const scheme = (ctx.req.socket as TLSSocket).encrypted ? 'https' : 'http';
  return `${scheme}://${ctx.req.headers.host ?? 'localhost'}/fhir/R4`;
}

export function fhirBulkRoutes(deps: FhirBulkDeps): Route[] {
  const { exporter, audit } = deps;

  function authorize(ctx: RequestContext): Exporter {
    const bearer = deps.bearer?.(ctx.req) ?? { kind: 'none' };
    if (bearer.kind === 'invalid') {
      ctx.res.setHeader('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new OperationOutcomeError(401, [{ severity: 'error', code: 'login', diagnostics: 'The access token is not valid (unknown, expired or revoked)' }]);
    }
    if (bearer.kind === 'client') {
      const c = bearer.client;
      return { clinicId: c.clinicId, owner: `client:${c.clientId}`, userId: null, clientId: c.clientId, scopes: c.scopes };
    }
    const user = requireUser(ctx);
    if (!user.roles.some((r) => EXPORT_ROLES.includes(r))) {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: 'fhir:$export', ip: ctx.ip, detail: { reason: 'role' } });
      throw new AppError('forbidden', 'Only clinicians and administrators may export the clinic\'s records.');
    }
    return { clinicId: user.clinicId, owner: `user:${user.id}`, userId: user.id };
  }

  /** Audit detail naming the client, when a client asked. */
  const clientDetail = (who: Exporter) => (who.clientId ? { clientId: who.clientId } : {});

  /**
   * The types a client may export: null for every type (a `*` scope with
   * read), else those its scopes let it read. Staff: null. A `_type` list is
   * checked against them; a type outside is refused, not silently dropped.
   */
  function scopeTypes(ctx: RequestContext, who: Exporter, asked: string[] | null): string[] | null {
    if (!who.scopes) return asked;
    const deny = (diagnostics: string, detail: Record<string, unknown>) => {
      audit.record({ action: 'authz.denied', outcome: 'failure', userId: null, target: 'fhir:$export', ip: ctx.ip, detail: { reason: 'scope', clientId: who.clientId, ...detail } });
      return new OperationOutcomeError(403, [{ severity: 'error', code: 'forbidden', diagnostics }]);
    };
    if (permits(who.scopes, '*', 'read')) return asked;
    const readable = (t: string) => permits(who.scopes!, t, 'read');
    if (asked) {
      const outside = asked.filter((t) => !readable(t));
      if (outside.length) throw deny(`The granted scopes do not allow reading ${outside.join(', ')}`, { resourceTypes: outside });
      return asked;
    }
    const named = [...new Set(who.scopes.map((s) => /^system\/([A-Z][A-Za-z]+)\./.exec(s)?.[1]).filter((t): t is string => !!t && readable(t)))];
    if (named.length === 0) throw deny('The granted scopes do not allow reading any resource type', {});
    return named;
  }

  function kickOff(level: ExportLevel) {
    return (ctx: RequestContext) => {
      const user = authorize(ctx);
      if (level === 'group' && ctx.params.id !== user.clinicId) {
        audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.userId, target: 'fhir:Group', ip: ctx.ip, detail: { reason: 'other-group', ...clientDetail(user) } });
        throw notFound('No such Group on this server (the clinic is the one Group)');
      }
      const prefer = String(ctx.req.headers.prefer ?? '').split(/[,;]/).map((p) => p.trim().toLowerCase());
      if (!prefer.includes('respond-async')) throw bad('Bulk export is asynchronous: send Prefer: respond-async');
      let types: string[] | null = null;
      let since: number | null = null;
      for (const [name, value] of ctx.url.searchParams) {
        if (name === '_outputFormat') {
          if (!OUTPUT_FORMATS.includes(value)) throw bad('Only application/fhir+ndjson is produced', '_outputFormat');
        } else if (name === '_type') {
          const list = value.split(',').map((t) => t.trim());
          if (list.some((t) => !TYPE_RE.test(t))) throw bad('_type must be a comma-separated list of resource types', '_type');
          types = [...new Set([...(types ?? []), ...list])];
        } else if (name === '_since') {
          const t = INSTANT_RE.test(value) ? Date.parse(value) : NaN;
          if (Number.isNaN(t)) throw bad('_since must be a FHIR instant (YYYY-MM-DDThh:mm:ss with a time zone)', '_since');
          since = t;
        } else {
          throw new OperationOutcomeError(400, [{ severity: 'error', code: 'not-supported', diagnostics: `$export does not support the parameter ${name}`, expression: [name] }]);
        }
      }
      types = scopeTypes(ctx, user, types);
      const base = baseUrl(ctx);
      let job: ExportJob;
      try {
        job = exporter.start({ clinicId: user.clinicId, owner: user.owner, userId: user.userId, ...clientDetail(user), level, request: `${base}${ctx.url.pathname.slice('/fhir/R4'.length)}${ctx.url.search}`, types, since });
      } catch (err) {
        if (!(err instanceof TooManyExports)) throw err;
        ctx.res.setHeader('Retry-After', String(RETRY_AFTER_S));
        throw new OperationOutcomeError(429, [{ severity: 'error', code: 'throttled', diagnostics: 'An export of this clinic is already running; try again later' }]);
      }
      audit.record({
        action: 'fhir.export',
        outcome: 'success',
        userId: user.userId,
        target: `export:${job.id}`,
        ip: ctx.ip,
        detail: { interaction: 'kick-off', level, types: types ?? 'all', since: since !== null, ...clientDetail(user) }
      });
      ctx.res.setHeader('Content-Location', `${base}/$export-status/${job.id}`);
      sendFhir(ctx.res, 202, { resourceType: 'OperationOutcome', issue: [{ severity: 'information', code: 'informational', diagnostics: 'Export started; poll the Content-Location URL' }] });
    };
  }

  return [
    { method: 'GET', path: '/fhir/R4/$export', handler: kickOff('system') },
    { method: 'GET', path: '/fhir/R4/Patient/$export', handler: kickOff('patient') },
    { method: 'GET', path: '/fhir/R4/Group/:id/$export', handler: kickOff('group') },
    {
      method: 'GET',
      path: '/fhir/R4/$export-status/:job',
      handler(ctx) {
        const user = authorize(ctx);
        const job = exporter.get(ctx.params.job, user.owner);
        if (!job) throw notFound('No such export job (finished jobs are kept 24 hours, and none survive a restart)');
        if (job.state === 'running') {
          ctx.res.setHeader('X-Progress', `${job.patientsDone}/${job.patientsTotal} patients`);
          ctx.res.setHeader('Retry-After', '1');
          ctx.res.statusCode = 202;
          ctx.res.end();
          return;
        }
        if (job.state === 'failed') {
          throw new OperationOutcomeError(500, [{ severity: 'error', code: 'exception', diagnostics: 'The export failed; start a new one' }]);
        }
        const base = baseUrl(ctx);
        ctx.res.setHeader('Expires', new Date(job.expiresAt ?? Date.now()).toUTCString());
        const body = {
          transactionTime: job.transactionTime,
          request: job.request,
          requiresAccessToken: true,
          output: job.files.map((f) => ({ type: f.type, url: `${base}/$export-file/${job.id}/${f.name}`, count: f.count })),
          error: job.errors ? [{ type: 'OperationOutcome', url: `${base}/$export-file/${job.id}/${job.errors.name}`, count: job.errors.count }] : []
        };
        ctx.res.statusCode = 200;
        ctx.res.setHeader('Content-Type', 'application/json; charset=utf-8');
        ctx.res.end(JSON.stringify(body));
      }
    },
    {
      method: 'DELETE',
      path: '/fhir/R4/$export-status/:job',
      handler(ctx) {
        const user = authorize(ctx);
        const job = exporter.get(ctx.params.job, user.owner);
        if (!job || !exporter.remove(job.id, user.owner)) throw notFound('No such export job');
        audit.record({ action: 'fhir.export', outcome: 'success', userId: user.userId, target: `export:${job.id}`, ip: ctx.ip, detail: { interaction: 'delete', wasRunning: job.state === 'running', ...clientDetail(user) } });
        ctx.res.statusCode = 202;
        ctx.res.end();
      }
    },
    {
      method: 'GET',
      path: '/fhir/R4/$export-file/:job/:file',
      async handler(ctx) {
        const user = authorize(ctx);
        const found = exporter.file(ctx.params.job, user.owner, ctx.params.file);
        if (!found) throw notFound('No such export file');
        let stream: fs.ReadStream;
        try {
          stream = fs.createReadStream(found.path);
          await new Promise<void>((resolve, reject) => {
            stream.once('open', () => resolve());
            stream.once('error', reject);
          });
        } catch {
          throw notFound('No such export file');
        }
        audit.record({
          action: 'fhir.export',
          outcome: 'success',
          userId: user.userId,
          target: `export:${ctx.params.job}`,
          ip: ctx.ip,
          detail: { interaction: 'download', resourceType: found.file.type, count: found.file.count, ...clientDetail(user) }
        });
        ctx.res.statusCode = 200;
        ctx.res.setHeader('Content-Type', 'application/fhir+ndjson');
        await pipeline(stream, ctx.res);
      }
    }
  ];
}
