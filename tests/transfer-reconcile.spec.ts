import { expect, test } from '@playwright/test';
import { listIncoming } from '../src/lib/chart/incoming-doc';
import { listAllergies, listConditions } from '../src/lib/chart/chart-doc';
import { Device, DEMO_PASSWORD, serverDoc, startClinic, type Clinic } from './support/clinic';

/**
 * A patient referred from another clinic arrives with an allergy and a
 * problem awaiting reconciliation. The clinician accepts the allergy (it
 * joins the allergy list with where it came from) and rejects the problem
 * with a reason (it stays out of the problem list, kept as rejected).
 */

let clinic: Clinic;
test.beforeAll(async () => {
  clinic = await startClinic();
});
test.afterAll(async () => {
  await clinic.stop();
});

const PATIENT = '5b0c2f0e-8d7a-4e59-9a57-0c3f1b2a6d41';
const referral = {
  resourceType: 'Bundle',
  type: 'document',
  timestamp: '2026-11-30T09:00:00Z',
  meta: { source: 'urn:outpost:clinic:hill-clinic' },
  entry: [
    {
      fullUrl: 'urn:uuid:8e2a1f5c-2b7d-4f0e-9c1a-3d5e7f9a1b2c',
      resource: {
        resourceType: 'Composition',
        status: 'final',
        type: { coding: [{ system: 'http://loinc.org', code: '60591-5' }] },
        subject: { reference: `urn:uuid:${PATIENT}` },
        date: '2026-11-30T09:00:00Z',
        title: 'International Patient Summary',
        author: [{ display: 'Hill Clinic' }],
        custodian: { display: 'Hill Clinic' }
      }
    },
    {
      fullUrl: `urn:uuid:${PATIENT}`,
      resource: {
        resourceType: 'Patient',
        id: PATIENT,
        identifier: [{ system: 'urn:outpost:clinic:hill-clinic:mrn', value: 'H-1001', type: { coding: [{ code: 'MR' }] } }],
        name: [{ family: 'Osei', given: ['Nadia'] }],
        gender: 'female',
        birthDate: '1988-04-12'
      }
    },
    {
      fullUrl: 'urn:uuid:1f4e6a2b-3c5d-4e7f-8a9b-0c1d2e3f4a5b',
      resource: {
        resourceType: 'AllergyIntolerance',
        id: '1f4e6a2b-3c5d-4e7f-8a9b-0c1d2e3f4a5b',
        clinicalStatus: { coding: [{ code: 'active' }] },
        verificationStatus: { coding: [{ code: 'confirmed' }] },
        category: ['medication'],
        criticality: 'high',
        code: { coding: [{ system: 'http://snomed.info/sct', code: '91936005', display: 'Allergy to penicillin' }], text: 'Penicillin' },
        patient: { reference: `urn:uuid:${PATIENT}` },
        recordedDate: '2019-06-01',
        recorder: { display: 'Dr Mensah' }
      }
    },
    {
      fullUrl: 'urn:uuid:2a5f7b3c-4d6e-4f8a-9b0c-1d2e3f4a5b6c',
      resource: {
        resourceType: 'Condition',
        id: '2a5f7b3c-4d6e-4f8a-9b0c-1d2e3f4a5b6c',
        clinicalStatus: { coding: [{ code: 'active' }] },
        code: { coding: [{ system: 'http://snomed.info/sct', code: '38341003' }], text: 'Hypertension' },
        subject: { reference: `urn:uuid:${PATIENT}` },
        onsetDateTime: '2021-02-03'
      }
    }
  ]
};

test('a clinician accepts an incoming allergy and rejects an incoming problem with a reason', async ({ browser }) => {
  const login = await fetch(`${clinic.url}/api/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'dr.demo', password: DEMO_PASSWORD }) });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  const res = await fetch(`${clinic.url}/fhir/R4`, { method: 'POST', headers: { 'content-type': 'application/fhir+json', cookie }, body: JSON.stringify(referral) });
  expect(res.status).toBe(200);
  const answer = (await res.json()) as { entry: { response: { status: string; location?: string } }[] };
  expect(answer.entry.filter((e) => e.response.status === '202 Accepted')).toHaveLength(2);
  const patientId = answer.entry.find((e) => e.response.location?.startsWith('Patient/'))!.response.location!.slice('Patient/'.length);

  const laptop = await Device.open(browser, clinic);
  await laptop.signIn('dr.demo');
  await laptop.openPatient('Osei, Nadia');
  const card = laptop.page.getByTestId('reconcile');
  await expect(card.getByTestId('incoming')).toHaveCount(2);
  await expect(laptop.page.getByTestId('allergy')).toHaveCount(0);

  const allergy = card.getByTestId('incoming').filter({ hasText: 'Penicillin' });
  await expect(allergy).toContainText('From Hill Clinic, Nov 30, 2026');
  await allergy.getByRole('button', { name: 'Accept' }).click();

  const problem = card.getByTestId('incoming').filter({ hasText: 'Hypertension' });
  await problem.getByRole('button', { name: 'Reject…' }).click();
  await problem.getByLabel('Reason').fill('Not confirmed: normal readings on three visits');
  await problem.getByRole('button', { name: 'Reject', exact: true }).click();

  await expect(card.getByTestId('incoming')).toHaveCount(0);
  const accepted = laptop.page.getByTestId('allergy').filter({ hasText: 'Penicillin' });
  await expect(accepted).toBeVisible();
  await expect(accepted.getByTestId('entry-source')).toHaveText('From Hill Clinic, Nov 30, 2026 (recorded by Dr Mensah)');
  await expect(laptop.page.getByTestId('problem').filter({ hasText: 'Hypertension' })).toHaveCount(0);
  await card.getByText('Reconciled (2)').click();
  await expect(card.getByTestId('reconciled').filter({ hasText: 'Hypertension' })).toContainText('rejected: Not confirmed: normal readings on three visits');

  await laptop.waitSynced();
  const chart = await serverDoc(clinic, `chart:${patientId}`);
  expect(listAllergies(chart!).map((a) => a.code.text)).toEqual(['Penicillin']);
  expect(listConditions(chart!)).toEqual([]);
  expect(listIncoming(chart!).map((r) => [r.display, r.status, r.rejectReason ?? ''])).toEqual([
    ['Penicillin', 'accepted', ''],
    ['Hypertension', 'rejected', 'Not confirmed: normal readings on three visits']
  ]);
  await laptop.close();
});
