import { apiClient, type ApiClient } from './api-client';
import { runOutbox } from './outbox-runner';
import { flushPortalOutbox, portalWritesWaiting } from './portal-outbox';
import { currentWorkspace, type Workspace } from './workspace';

/** How often what waits is tried again while the patient's app is open. */
export const PORTAL_OUTBOX_RETRY_MS = 30_000;

/**
 * Sends the patient's outbox for the whole patient session, whichever
 * screen queued the write: once at the start, when the server can be
 * reached again (the api client's reachability, the browser's `online`),
 * and every `intervalMs` while something waits. So a message written on
 * one screen goes out even if the patient never opens that screen again.
 * Screens hear of what was sent through onPortalOutboxFlushed. Returns the
 * stop.
 */
export function startPortalOutboxSender(
  opts: { intervalMs?: number; ws?: () => Pick<Workspace, 'vault'>; client?: Pick<ApiClient, 'request' | 'onReachability'>; onError?: (err: unknown) => void } = {}
): () => void {
  const ws = opts.ws ?? currentWorkspace;
  const client = opts.client ?? apiClient;
  const runner = runOutbox(
    () =>
      Promise.resolve()
        .then(() => portalWritesWaiting(ws()))
        .then((waiting) => (waiting ? flushPortalOutbox(ws(), client) : null)),
    opts.intervalMs ?? PORTAL_OUTBOX_RETRY_MS,
    opts.onError ?? (() => undefined)
  );
  let wasReachable = true;
  const offReach = client.onReachability((reachable) => {
    if (reachable && !wasReachable) runner.kick();
    wasReachable = reachable;
  });
  const online = () => runner.kick();
  const win = typeof window === 'undefined' ? null : window;
  win?.addEventListener('online', online);
  runner.kick();
  return () => {
    runner.stop();
    offReach();
    win?.removeEventListener('online', online);
  };
}
