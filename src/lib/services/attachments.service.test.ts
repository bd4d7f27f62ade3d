import 'fake-indexeddb/auto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import * as Y from 'yjs';
import { startTestApp, type TestApp } from '../../../server/http/test-app';
import { DEMO_PASSWORD } from '../../../server/seed/demo-seed';
import { listAttachments } from '../chart/attachment-doc';
import { docName } from '../domain/doc-names';
import { AppError } from '../domain/errors';
import { nodeDevice, type NodeDevice } from '../sync/test-client';
import { attachFile, loadAttachment, placeOf, sha256Hex, uploaderFor } from './attachments.service';
import { openRecord } from './chart.service';
import { createPatient } from './patient-registration';

/**
 * Attachments from the device to the server and on to another device: the
 * real server on loopback, real HTTP, fake IndexedDB and Node's WebCrypto.
 */
let app: TestApp;
const devices: NodeDevice[] = [];

beforeAll(async () => {
  app = await startTestApp({ demo: true });
});

afterAll(async () => {
  await Promise.all(devices.map((d) => d.close()));
  await app.stop();
});

async function device(username: string): Promise<NodeDevice> {
  const d = await nodeDevice(app.url, username, DEMO_PASSWORD);
  devices.push(d);
  await d.engine.syncNow();
  return d;
}

/** A distinctive byte pattern after a real PNG signature, to look for in a dump. */
function photo(marker: string): File {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  const body = new TextEncoder().encode(`IHDR ${marker} `.repeat(200));
  return new File([new Uint8Array([...sig, ...body])], 'wound_left_heel.png', { type: 'image/png' });
}

async function rawAttachmentRows(d: NodeDevice): Promise<string> {
  const rows = await d.vault.db.attachments.toArray();
  return rows.map((r) => JSON.stringify(r) + new TextDecoder('latin1').decode(r.data)).join('\n');
}

function offline(d: NodeDevice): void {
  d.api.setBase('http://127.0.0.1:9');
}
function online(d: NodeDevice): void {
  d.api.setBase(app.url);
}

async function firstPatient(d: NodeDevice): Promise<string> {
  return (await d.vault.patients.all())[0].id;
}

describe('attaching a photo offline', () => {
  test('it is in the chart at once, encrypted on the device, and uploads when the network returns', async () => {
    const nurse = await device('nurse.demo');
    const pid = await firstPatient(nurse);
    const record = await openRecord(pid, nurse);
    offline(nurse);

    const file = photo('Qx7-heel-marker');
    const id = await attachFile({ patientId: pid, chart: record.chartDoc!, file }, nurse, nurse.api);
    const [entry] = listAttachments(record.chartDoc!);
    expect(entry).toMatchObject({
      id,
      title: 'wound left heel',
      contentType: 'image/png',
      size: file.size,
      sha256: await sha256Hex(new Uint8Array(await file.arrayBuffer())),
      uploaded: false,
      createdBy: nurse.user.name
    });
    expect(await placeOf(pid, entry, nurse)).toBe('this-device-only');
    // The bytes open from the device with no network…
    expect(await loadAttachment(pid, entry, nurse, nurse.api)).toEqual(new Uint8Array(await file.arrayBuffer()));
    // …and at rest they are ciphertext.
    expect(await rawAttachmentRows(nurse)).not.toContain('Qx7-heel-marker');
    const report = await uploaderFor(nurse, nurse.api).uploadPending();
    expect(report.waiting).toBe(1);
    expect(await nurse.vault.attachments.pendingCount()).toBe(1);

    online(nurse);
    expect(await uploaderFor(nurse, nurse.api).uploadPending()).toEqual({ uploaded: 1, waiting: 0 });
    expect(await nurse.vault.attachments.pendingCount()).toBe(0);
    expect(listAttachments(record.chartDoc!)[0].uploaded).toBe(true);
    const stored = app.db.prepare('SELECT size, sha256 FROM attachments WHERE id = ?').get(id);
    expect(stored).toEqual({ size: file.size, sha256: entry.sha256 });
    record.close();

    // The chart on the server says it is uploaded, so other devices know to fetch it.
    await nurse.engine.syncNow();
    const state = await app.sync.readState(docName('chart', pid), nurse.user.clinicId);
    const serverChart = new Y.Doc();
    Y.applyUpdate(serverChart, state!);
    expect(listAttachments(serverChart).find((a) => a.id === id)?.uploaded).toBe(true);
  });
});

describe('a patient registered offline', () => {
  test('the photo waits for the chart to reach the server, then uploads in the same pass', async () => {
    const nurse = await device('nurse.demo');
    offline(nurse);
    const created = await createPatient(nurse, { family: 'Offlineton', given: ['Bea'], birthDate: '1984-05-06', gender: 'female' });
    const record = await openRecord(created.id, nurse);
    const id = await attachFile({ patientId: created.id, chart: record.chartDoc!, file: photo('new-chart') }, nurse, nurse.api);
    expect(await app.sync.readState(docName('chart', created.id), nurse.user.clinicId)).toBeNull();

    online(nurse);
    expect(await uploaderFor(nurse, nurse.api).uploadPending()).toEqual({ uploaded: 1, waiting: 0 });
    expect(app.db.prepare('SELECT patient_id AS p FROM attachments WHERE id = ?').get(id)).toEqual({ p: created.id });
    expect(listAttachments(record.chartDoc!)[0].uploaded).toBe(true);
    record.close();
  });
});

describe('a second device', () => {
  test('fetches the bytes once, checks them against the chart and keeps them encrypted for offline use', async () => {
    const nurse = await device('nurse.demo');
    const pid = await firstPatient(nurse);
    const rec = await openRecord(pid, nurse);
    const file = photo('Zz-referral-9');
    const id = await attachFile({ patientId: pid, chart: rec.chartDoc!, file }, nurse, nurse.api);
    await uploaderFor(nurse, nurse.api).uploadPending();
    rec.close();
    await nurse.engine.syncNow();

    const dr = await device('dr.demo');
    const drRecord = await openRecord(pid, dr);
    const entry = listAttachments(drRecord.chartDoc!).find((a) => a.id === id)!;
    expect(entry.uploaded).toBe(true);
    expect(await dr.vault.attachments.has(id)).toBe(false);
    const bytes = await loadAttachment(pid, entry, dr, dr.api);
    expect(bytes).toEqual(new Uint8Array(await file.arrayBuffer()));
    expect(await rawAttachmentRows(dr)).not.toContain('Zz-referral-9');

    offline(dr);
    expect(await loadAttachment(pid, entry, dr, dr.api)).toEqual(bytes);
    drRecord.close();
  });

  test('refuses bytes that do not match the chart’s SHA-256', async () => {
    const nurse = await device('nurse.demo');
    const pid = await firstPatient(nurse);
    const rec = await openRecord(pid, nurse);
    const id = await attachFile({ patientId: pid, chart: rec.chartDoc!, file: photo('tamper') }, nurse, nurse.api);
    await uploaderFor(nurse, nurse.api).uploadPending();
    const entry = listAttachments(rec.chartDoc!).find((a) => a.id === id)!;
    rec.close();
    const dr = await device('dr.demo');
    const forged = { ...entry, sha256: '0'.repeat(64) };
    await expect(loadAttachment(pid, forged, dr, dr.api)).rejects.toThrow(/does not match/);
    expect(await dr.vault.attachments.has(id)).toBe(false);
  });

  test('says plainly when the file has not left the device it was taken on', async () => {
    const nurse = await device('nurse.demo');
    const pid = await firstPatient(nurse);
    const rec = await openRecord(pid, nurse);
    offline(nurse);
    const id = await attachFile({ patientId: pid, chart: rec.chartDoc!, file: photo('stuck') }, nurse, nurse.api);
    const entry = listAttachments(rec.chartDoc!).find((a) => a.id === id)!;
    rec.close();
    const dr = await device('dr.demo');
    expect(await placeOf(pid, entry, dr)).toBe('other-device-only');
    await expect(loadAttachment(pid, entry, dr, dr.api)).rejects.toThrow(/still only on the device/);
  });
});

describe('what cannot be attached', () => {
  test.each([
    ['an SVG (it can carry script)', new File(['<svg/>'], 'x.svg', { type: 'image/svg+xml' }), 'invalid'],
    ['an empty file', new File([], 'x.png', { type: 'image/png' }), 'invalid'],
    ['a file over 10 MB', new File([new Uint8Array(10 * 1024 * 1024 + 1)], 'x.pdf', { type: 'application/pdf' }), 'too-large']
  ])('refuses %s and stores nothing', async (_label, file, code) => {
    const nurse = await device('nurse.demo');
    const pid = await firstPatient(nurse);
    const rec = await openRecord(pid, nurse);
    const before = await nurse.vault.db.attachments.count();
    const err = await attachFile({ patientId: pid, chart: rec.chartDoc!, file }, nurse, nurse.api).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe(code);
    expect(await nurse.vault.db.attachments.count()).toBe(before);
    rec.close();
  });
});
