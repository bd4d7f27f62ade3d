/**
 * Websocket close codes the sync server sends that the app acts on. Codes
 * 4400–4499 mirror HTTP 4xx: the stock y-websocket client (3.x) does not
 * reconnect after them, so a refused socket is not retried in a loop.
 */

/**
 * The session behind the socket ended — signed out, idle or past its
 * lifetime, revoked by an administrator, account disabled or password reset.
 * The app keeps its unsent edits, locks and asks its user to sign in again.
 */
export const SESSION_ENDED_CLOSE_CODE = 4401;
