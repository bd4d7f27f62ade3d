import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError } from '../../src/lib/domain/errors';
import { RateLimitedError } from '../auth/auth-service';
import { toErrorResponse } from './errors';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from './test-app';

function capture() {
  const lines: string[] = [];
  return { lines, logger: { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(l), error: (l: string) => lines.push(l) } };
}

describe('error mapping', () => {
  it.each([
    [new AppError('invalid', 'x'), 400],
    [new AppError('unauthenticated', 'x'), 401],
    [new AppError('forbidden', 'x'), 403],
    [new AppError('not-found', 'x'), 404],
    [new AppError('too-large', 'x'), 413],
    [new RateLimitedError(90), 429]
  ])('maps %s to %i', (err, status) => {
    const { logger, lines } = capture();
    expect(toErrorResponse(err, logger, 'test').status).toBe(status);
    expect(lines).toEqual([]);
  });

  it('sends Retry-After with a rate limit', () => {
    expect(toErrorResponse(new RateLimitedError(90), capture().logger, 'test').headers).toEqual({ 'Retry-After': '90' });
  });

  it('turns a schema failure into 400 with field paths', () => {
    const parsed = z.object({ a: z.object({ b: z.string() }) }).safeParse({ a: { b: 1 } });
    const res = toErrorResponse(parsed.error, capture().logger, 'test');
    expect(res.status).toBe(400);
    expect(res.body.error.details?.[0].path).toBe('a.b');
  });

  it('answers an unexpected failure with a safe 500 and logs its kind, not the request', () => {
    const { logger, lines } = capture();
    const res = toErrorResponse(new TypeError('cannot read x of undefined'), logger, 'GET /api/patients');
    expect(res.status).toBe(500);
    expect(res.body.error.code).toBe('internal');
    expect(res.body.error.message).not.toContain('undefined');
    expect(lines[0]).toMatch(/^unexpected error in GET \/api\/patients: TypeError: cannot read x/);
  });
});

describe('request log', () => {
  let app: TestApp;
  const log = capture();

  beforeAll(async () => {
    app = await startTestApp({ logger: log.logger });
    await addClinic(app, 'Log Clinic', [{ username: 'logged', roles: ['nurse'] }]);
  });
  afterAll(async () => {
    await app.stop();
  });

  it('writes method, path, status and time; never query strings, bodies or passwords', async () => {
    const cookie = await sessionCookieFor(app.url, 'logged');
    await fetch(`${app.url}/api/patients?since=2026-01-01T00:00:00Z&q=Okonkwo`, { headers: { cookie } });
    const lines = log.lines.join('\n');
    expect(lines).toMatch(/^POST \/api\/auth\/login 200 \d+\.\dms$/m);
    expect(lines).toMatch(/^GET \/api\/patients 200 \d+\.\dms$/m);
    expect(lines).not.toContain('Okonkwo');
    expect(lines).not.toContain('since');
    expect(lines).not.toContain('correct horse');
  });
});
