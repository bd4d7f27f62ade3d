import { AppError } from '../../../src/lib/domain/errors';
import type { Audit, SessionUser, SyncService } from '../../types';
import { readJson } from '../body';
import { requireUser, type Route } from '../context';
import { sendJson } from '../errors';

/** Contract limit for one batch catch-up request. */
export const BATCH_BODY_LIMIT = 8 * 1024 * 1024;

/** Batch catch-up endpoints; the sync service validates the body and checks access per document. */
export function syncRoutes(sync: SyncService, audit: Audit): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/sync/changes',
      async handler(ctx) {
        const user = requireUser(ctx);
        const since = ctx.url.searchParams.get('since') ?? undefined;
        sendJson(ctx.res, 200, await sync.changes(user, since || undefined));
      }
    },
    {
      method: 'POST',
      path: '/api/sync/batch',
      async handler(ctx) {
        const user = requireUser(ctx);
        const body = await readJson(ctx.req, BATCH_BODY_LIMIT);
        try {
          sendJson(ctx.res, 200, await sync.handleBatch(user, body));
        } catch (err) {
          if (namesInvalidDocument(err)) auditInvalidDocument(audit, user, ctx.ip);
          throw err;
        }
      }
    }
  ];
}

/** The batch was refused because a `name` is no document name (the schema's issue paths end in `.name`). */
function namesInvalidDocument(err: unknown): boolean {
  return err instanceof AppError && err.code === 'invalid' && (err.details ?? []).some((d) => /(^|\.)name$/.test(d.path ?? ''));
}

/**
 * A made-up document name is a probe more often than a bug, so it is
 * audited as the websocket upgrade audits it. The name itself is not kept:
 * it is whatever the caller sent.
 */
function auditInvalidDocument(audit: Audit, user: SessionUser, ip: string): void {
  audit.record({ action: 'authz.denied', outcome: 'failure', userId: user.id, target: null, ip, detail: { reason: 'invalid-document', via: 'batch' } });
}
