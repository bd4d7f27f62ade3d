import type Database from 'better-sqlite3';
import { RoomServiceClient } from 'livekit-server-sdk';
import { z } from 'zod';
import { createLinkSchema, enterWaitingRoomSchema, pollSchema, revokeLinkSchema, sendLinkSchema, visitIdSchema } from '../../src/lib/domain/telehealth/join';
import { runningLateSchema } from '../../src/lib/domain/telehealth/running-late';
import { parseWith, readJson } from '../http/body';
import { requireUser, type Route, type RouteHandler } from '../http/context';
import { sendJson } from '../http/errors';
import type { Audit } from '../types';
import { WEBHOOK_CONTENT_TYPE } from './livekit-webhooks';
import { readRawText } from './raw-body';
import { videoNotConfigured, type TelehealthConfig } from './telehealth-config';
import { createTelehealthService, type TelehealthDeps, type TelehealthService } from './telehealth-service';

export interface TelehealthRouteDeps {
  db: Database.Database;
  audit: Audit;
  config: TelehealthConfig;
  birthDateOf: TelehealthDeps['birthDateOf'];
  patientInClinic: TelehealthDeps['patientInClinic'];
  /** Defaults to LiveKit's RoomServiceClient; tests pass a stub. */
  closeRoom?: TelehealthDeps['closeRoom'];
  linkSealer?: TelehealthDeps['linkSealer'];
  messages?: TelehealthDeps['messages'];
  /** The app's public address for links sent by message (OUTPOST_PUBLIC_URL); otherwise the requesting page's origin. */
  publicUrl?: string;
  linkMinutes?: TelehealthDeps['linkMinutes'];
  now?: () => number;
}

const WEBHOOK_BODY_LIMIT = 64 * 1024;
const JOIN_BODY_LIMIT = 4 * 1024;
const admitSchema = visitIdSchema.extend({ entryId: z.uuid().optional() });
const tokenSchema = z.object({ token: enterWaitingRoomSchema.shape.token });

/**
 * The video-visit API. Secrets travel in JSON bodies, never in URLs, so
 * request logs never hold them. Without LiveKit settings every route answers
 * 503 "Video is not configured" and nothing else in the app is affected.
 *
 * Staff (signed in): POST links, GET links?visitId= (the visit's working links), POST links/send (by SMS or e-mail), POST links/revoke, GET waiting?visitId=,
 * POST running-late, POST admit, POST end, GET call-simulation. Patient and guests (no account): POST join/check,
 * join/enter, join/poll. Video service: POST webhooks/livekit.
 */
export function telehealthRoutes(deps: TelehealthRouteDeps): Route[] {
  const service = deps.config.configured ? createTelehealthService({ ...deps, livekit: deps.config, closeRoom: deps.closeRoom ?? roomCloser(deps.config) }) : null;
  const withService =
    (fn: (s: TelehealthService, ctx: Parameters<RouteHandler>[0]) => unknown): RouteHandler =>
    async (ctx) => {
      if (!service) throw videoNotConfigured();
      await fn(service, ctx);
    };
  const route = (method: Route['method'], path: string, fn: Parameters<typeof withService>[0]): Route => ({ method, path: `/api/telehealth/${path}`, handler: withService(fn) });

  return [
    route('POST', 'links', async (s, ctx) => {
      const user = requireUser(ctx);
      const body = parseWith(createLinkSchema, await readJson(ctx.req, JOIN_BODY_LIMIT));
      sendJson(ctx.res, 201, s.createLink(user, body, ctx.ip));
    }),
    route('GET', 'links', (s, ctx) => {
      const user = requireUser(ctx);
      const { visitId } = parseWith(visitIdSchema, { visitId: ctx.url.searchParams.get('visitId') });
      sendJson(ctx.res, 200, s.existingLinks(user, visitId, ctx.ip));
    }),
    route('POST', 'links/send', async (s, ctx) => {
      const user = requireUser(ctx);
      const body = parseWith(sendLinkSchema, await readJson(ctx.req, JOIN_BODY_LIMIT));
      sendJson(ctx.res, 200, await s.sendLink(user, body, deps.publicUrl ?? requestOrigin(ctx.req), ctx.ip));
    }),
    route('POST', 'links/revoke', async (s, ctx) => {
      const user = requireUser(ctx);
      const { linkId } = parseWith(revokeLinkSchema, await readJson(ctx.req, JOIN_BODY_LIMIT));
      s.revokeLink(user, linkId, ctx.ip);
      sendJson(ctx.res, 200, { revoked: true });
    }),
    route('POST', 'join/check', async (s, ctx) => {
      const { token } = parseWith(tokenSchema, await readJson(ctx.req, JOIN_BODY_LIMIT));
      sendJson(ctx.res, 200, s.check(token, ctx.ip));
    }),
    route('POST', 'join/enter', async (s, ctx) => {
      const body = parseWith(enterWaitingRoomSchema, await readJson(ctx.req, JOIN_BODY_LIMIT));
      sendJson(ctx.res, 200, await s.enter(body.token, body.birthDate, ctx.ip));
    }),
    route('POST', 'join/poll', async (s, ctx) => {
      const { ticket } = parseWith(pollSchema, await readJson(ctx.req, JOIN_BODY_LIMIT));
      sendJson(ctx.res, 200, s.poll(ticket));
    }),
    route('GET', 'waiting', (s, ctx) => {
      const user = requireUser(ctx);
      const { visitId } = parseWith(visitIdSchema, { visitId: ctx.url.searchParams.get('visitId') });
      sendJson(ctx.res, 200, s.waiting(user, visitId, ctx.ip));
    }),
    route('POST', 'running-late', async (s, ctx) => {
      const user = requireUser(ctx);
      const { visitId, minutes } = parseWith(runningLateSchema, await readJson(ctx.req, JOIN_BODY_LIMIT));
      sendJson(ctx.res, 200, s.runningLate(user, visitId, minutes, ctx.ip));
    }),
    route('GET', 'call-simulation', (_s, ctx) => {
      requireUser(ctx);
      // Test servers only (see TelehealthConfig.callSimulation); never set from the environment.
      sendJson(ctx.res, 200, { allowed: deps.config.configured && deps.config.callSimulation === true });
    }),
    route('POST', 'admit', async (s, ctx) => {
      const user = requireUser(ctx);
      const body = parseWith(admitSchema, await readJson(ctx.req, JOIN_BODY_LIMIT));
      sendJson(ctx.res, 200, await s.admit(body.visitId, user, ctx.ip, body.entryId));
    }),
    route('POST', 'end', async (s, ctx) => {
      const user = requireUser(ctx);
      const { visitId } = parseWith(visitIdSchema, await readJson(ctx.req, JOIN_BODY_LIMIT));
      sendJson(ctx.res, 200, await s.end(visitId, user, ctx.ip));
    }),
    route('POST', 'webhooks/livekit', async (s, ctx) => {
      const body = await readRawText(ctx.req, WEBHOOK_CONTENT_TYPE, WEBHOOK_BODY_LIMIT);
      sendJson(ctx.res, 200, await s.receiveWebhook(body, ctx.req.headers.authorization, ctx.ip));
    })
  ];
}

/** The page's own origin (the browser sends it with every POST), else the Host it asked for. */
function requestOrigin(req: Parameters<RouteHandler>[0]['req']): string {
  const header = req.headers.origin;
  if (typeof header === 'string') {
    try {
      const u = new URL(header);
      if (u.protocol === 'https:' || u.protocol === 'http:') return u.origin;
    } catch {
      // not a URL: fall through to the Host header
    }
  }
  return `http://${req.headers.host ?? 'localhost'}`;
}

/** Closing the room uses the server API over HTTP(S) at the same host as the browsers' WebSocket URL. */
function roomCloser(config: { url: string; apiKey: string; apiSecret: string }) {
  const client = new RoomServiceClient(config.url.replace(/^ws/, 'http'), config.apiKey, config.apiSecret);
  return async (room: string) => {
    await client.deleteRoom(room);
  };
}
