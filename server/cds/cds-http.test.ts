import { afterAll, beforeAll, describe, expect, it, test } from 'vitest';
import digoxinRequest from '../../src/lib/domain/drugs/__fixtures__/digoxin-cyclosporine-cds-request.json';
import warfarinRequest from '../../src/lib/domain/drugs/__fixtures__/warfarin-nsaids-cds-request.json';
import type { Card } from '../../src/lib/domain/drugs';
import { addClinic, sessionCookieFor, startTestApp, type TestApp } from '../http/test-app';

/**
 * CDS Hooks over HTTP: discovery, the HL7 PDDI-CDS example requests answered
 * with the same cards the browser computes, and malformed calls refused.
 */

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The PDDI-CDS examples were sent on 2018-09-01. */
const SENT = Date.UTC(2018, 8, 1);
const DAY = 86_400_000;

/**
 * The example request as if sent today: every date moved forward by the same
 * number of days, so "a digoxin level within 30 days" stays within 30 days
 * against the server's clock and ages stay the same.
 */
function sentToday<T>(request: T): T {
  const shift = Math.floor((Date.now() - SENT) / DAY) * DAY;
  const move = (v: unknown): unknown => {
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}/.test(v)) {
      const d = new Date(Date.parse(`${v.slice(0, 10)}T00:00:00Z`) + shift).toISOString().slice(0, 10);
      return d + v.slice(10);
    }
    if (Array.isArray(v)) return v.map(move);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, move(x)]));
    return v;
  };
  return move(request) as T;
}

let app: TestApp;
let clinician: string;
let deskId: string;

beforeAll(async () => {
  app = await startTestApp();
  ({
    ids: { desk: deskId }
  } = await addClinic(app, 'CDS Clinic', [
    { username: 'doc', roles: ['clinician'] },
    { username: 'desk', roles: ['frontdesk'] }
  ]));
  clinician = await sessionCookieFor(app.url, 'doc');
});

afterAll(async () => {
  await app.stop();
});

function call(body: unknown, cookie: string | null = clinician, id = 'outpost-drug-checks'): Promise<Response> {
  return fetch(`${app.url}/cds-services/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(cookie ? { cookie } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body)
  });
}

describe('GET /cds-services', () => {
  it('describes the order-sign service with prefetch templates for medications and allergies, without sign-in', async () => {
    const res = await fetch(`${app.url}/cds-services`);
    expect(res.status).toBe(200);
    const { services } = (await res.json()) as { services: Json[] };
    expect(services).toHaveLength(1);
    expect(services[0]).toMatchObject({ hook: 'order-sign', id: 'outpost-drug-checks', title: expect.any(String), description: expect.any(String) });
    expect(services[0].prefetch).toMatchObject({
      medications: 'MedicationRequest?patient={{context.patientId}}&status=active',
      allergies: 'AllergyIntolerance?patient={{context.patientId}}'
    });
  });
});

describe('POST /cds-services/outpost-drug-checks', () => {
  it('warfarin + NSAID (PDDI-CDS example): a critical card with the patient factors', async () => {
    const res = await call(sentToday(warfarinRequest));
    expect(res.status).toBe(200);
    const { cards } = (await res.json()) as { cards: Card[] };
    const card = cards.find((c) => c.summary.startsWith('Potential drug–drug interaction between warfarin'))!;
    expect(card).toMatchObject({
      indicator: 'critical',
      summary: 'Potential drug–drug interaction between warfarin (Warfarin Sodium 0.5 MG Oral Tablet) and NSAID (Ketorolac Tromethamine 10 MG Oral Tablet)',
      source: { label: 'HL7 PDDI-CDS Implementation Guide' }
    });
    expect(card.detail).toContain('[x] History of upper GI bleeding or peptic ulcer');
    expect(card.overrideReasons?.length).toBeGreaterThan(0);
  });

  it('digoxin + cyclosporine (PDDI-CDS example): an informational card when the level and labs are normal', async () => {
    const res = await call(sentToday(digoxinRequest));
    expect(res.status).toBe(200);
    const { cards } = (await res.json()) as { cards: Card[] };
    const card = cards.find((c) => c.summary.startsWith('Potential drug–drug interaction between digoxin'))!;
    expect(card.indicator).toBe('info');
    expect(card.detail).toContain('[x] Digoxin level below 0.9 ng/mL within 30 days');
    expect(card.detail).toContain('[x] Continuation order');
  });

  it('takes an order-sign request with draftOrders', async () => {
    const res = await call({
      hook: 'order-sign',
      hookInstance: 'a4b8f1a0-6c55-4c0e-9b7e-6f0f2b1c9d11',
      context: {
        userId: 'Practitioner/1',
        patientId: 'p1',
        draftOrders: {
          resourceType: 'Bundle',
          entry: [{ resource: { resourceType: 'MedicationRequest', status: 'draft', medicationCodeableConcept: { text: 'clarithromycin 500 mg tablet' } } }]
        }
      },
      prefetch: {
        medications: { resourceType: 'Bundle', entry: [{ resource: { resourceType: 'MedicationRequest', status: 'active', medicationCodeableConcept: { text: 'simvastatin 40 mg tablet' } } }] },
        allergies: null
      }
    });
    expect(res.status).toBe(200);
    const { cards } = (await res.json()) as { cards: Card[] };
    expect(cards.find((c) => c.summary.startsWith('CYP3A4-metabolised statin'))?.indicator).toBe('critical');
    expect(cards.some((c) => c.summary.startsWith('Allergies not checked'))).toBe(true);
  });

  const base = sentToday(warfarinRequest) as Json;
  test.each<[string, unknown, string]>([
    ['a body that is not JSON', '{"hook":', 'not valid JSON'],
    ['an unsupported hook', { ...base, hook: 'patient-view' }, 'hook'],
    ['no hookInstance', { ...base, hookInstance: undefined }, 'hookInstance'],
    ['no patientId', { ...base, context: { ...base.context, patientId: undefined } }, 'context.patientId'],
    ['order-sign without a draftOrders Bundle', { ...base, hook: 'order-sign', context: { patientId: 'f101', draftOrders: [{ resourceType: 'MedicationRequest' }] } }, 'context.draftOrders'],
    ['a draft order entry without a resource', { ...base, hook: 'order-sign', context: { patientId: 'f101', draftOrders: { resourceType: 'Bundle', entry: [{}] } } }, 'context.draftOrders.entry.0.resource'],
    ['a prefetch value that is not a resource', { ...base, prefetch: { medications: 'MedicationRequest?patient=f101' } }, 'prefetch.medications']
  ])('refuses %s with 400 and the path', async (_name, body, where) => {
    const res = await call(body);
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: { code: string; message: string; details?: { path?: string }[] } };
    expect(error.code).toBe('invalid');
    expect([error.message, ...(error.details ?? []).map((d) => d.path)].some((s) => s?.includes(where))).toBe(true);
  });

  it('needs a clinical session (no JWT verification): 401 without one, 403 for the front desk, audited', async () => {
    const denials = () => app.db.prepare("SELECT user_id, target, detail FROM audit_log WHERE action = 'authz.denied' AND target = 'cds-services'").all() as { user_id: string; detail: string }[];
    expect((await call(base, null)).status).toBe(401);
    expect(denials()).toHaveLength(0);
    expect((await call(base, await sessionCookieFor(app.url, 'desk'))).status).toBe(403);
    expect(denials()).toHaveLength(1);
    expect(denials()[0].user_id).toBe(deskId);
    expect(JSON.parse(denials()[0].detail)).toEqual({ service: 'outpost-drug-checks' });
  });

  it('answers 404 for an unknown service and 400 for GET on a service', async () => {
    expect((await call(base, clinician, 'no-such-service')).status).toBe(404);
    const get = await fetch(`${app.url}/cds-services/outpost-drug-checks`, { headers: { cookie: clinician } });
    expect(get.status).toBe(400);
    expect(get.headers.get('allow')).toBe('POST');
  });

  describe('size limits', () => {
    const med = (text: string, status = 'active') => ({ resource: { resourceType: 'MedicationRequest', status, medicationCodeableConcept: { text } } });
    const request = (drafts: number, prefetched: number) => ({
      hook: 'order-sign',
      hookInstance: 'size-limit',
      context: { patientId: 'p1', draftOrders: { resourceType: 'Bundle', entry: Array.from({ length: drafts }, () => med('warfarin 5 mg tablet', 'draft')) } },
      prefetch: {
        patient: { resourceType: 'Patient', birthDate: '1950-01-01' },
        medications: { resourceType: 'Bundle', entry: Array.from({ length: prefetched }, (_, i) => med(`ibuprofen 400 mg tablet (${i})`)) }
      }
    });

    it('checks a request of exactly 1,000 resources (positive control)', async () => {
      const res = await call(request(1, 998));
      expect(res.status).toBe(200);
      const { cards } = (await res.json()) as { cards: Card[] };
      // One warfarin–NSAID card per listed NSAID, each naming ten other NSAIDs and counting the rest.
      expect(cards.filter((c) => c.summary.startsWith('Potential drug–drug interaction between warfarin'))).toHaveLength(998);
      expect(cards[0].detail).toContain('and 987 more');
    });

    it('refuses more than 1,000 resources in draft orders and prefetch with 413 and says what to send', async () => {
      const res = await call(request(1, 999));
      expect(res.status).toBe(413);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('too-large');
      expect(error.message).toBe(
        "A drug-check request may carry at most 1,000 resources in its draft orders and prefetch together; this one carries 1,001. Prefetch only the patient's active medications, allergies, problems and recent labs."
      );
    });

    it('refuses more than 20 draft orders with 413', async () => {
      const res = await call(request(21, 0));
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain('at most 20 draft orders; this one carries 21');
      expect((await call(request(20, 0))).status).toBe(200);
    });
  });
});
