import type { SyncService } from '../../types';
import { readJson } from '../body';
import { requireUser, type Route } from '../context';
import { sendJson } from '../errors';

/** Contract limit for one batch catch-up request. */
export const BATCH_BODY_LIMIT = 8 * 1024 * 1024;

/** Batch catch-up endpoints; the sync service validates the body and checks access per document. */
export function syncRoutes(sync: SyncService): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/sync/changes',
      handler(ctx) {
        const user = requireUser(ctx);
        const since = ctx.url.searchParams.get('since') ?? undefined;
        sendJson(ctx.res, 200, sync.changes(user, since || undefined));
      }
    },
    {
      method: 'POST',
      path: '/api/sync/batch',
      async handler(ctx) {
        const user = requireUser(ctx);
        const body = await readJson(ctx.req, BATCH_BODY_LIMIT);
        sendJson(ctx.res, 200, await sync.handleBatch(user, body));
      }
    }
  ];
}
