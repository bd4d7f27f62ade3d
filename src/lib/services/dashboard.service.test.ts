import 'fake-indexeddb/auto';
import { expect, test, vi } from 'vitest';
import * as Y from 'yjs';
import { z } from 'zod';
import { addEncounter, addCondition, initChartDoc } from '../chart/chart-doc';
import { addAppointment, initScheduleDoc, markNoShow, setAppointmentType, setProvider } from '../chart/schedule-doc';
import { dashboardStats } from '../domain/reporting/dashboard-stats';
import { testVault } from '../storage/test-vault';
import { loadDashboardData } from './dashboard.service';
import { extraPanels, registerRegistrySizePanels, registrySizePanels } from './dashboard-panels';
import type { Workspace } from './workspace';

const dr = { id: 'u1', name: 'Dr. Test' };
const CLINIC = '0b7a1d7e-1111-4111-8111-000000000001';

async function store(ws: Workspace, name: string, doc: Y.Doc): Promise<void> {
  await ws.vault.docs.append(name, Y.encodeStateAsUpdate(doc), { pending: true, stateVector: Y.encodeStateVector(doc) });
}

test('the dashboard reads the charts and the appointment book held on the device', async () => {
  const vault = await testVault();
  const ws = { vault, user: { clinicId: CLINIC } } as unknown as Workspace;
  const p1 = crypto.randomUUID();
  const p2 = crypto.randomUUID();
  const c1 = new Y.Doc();
  initChartDoc(c1, p1);
  addEncounter(c1, { class: 'virtual', start: '2026-11-03T08:00:00.000Z' }, dr);
  addCondition(c1, { text: 'Malaria' }, dr);
  const c2 = new Y.Doc();
  initChartDoc(c2, p2);
  addEncounter(c2, { class: 'home', start: '2026-11-04T08:00:00.000Z' }, dr);
  const schedule = new Y.Doc();
  initScheduleDoc(schedule, CLINIC, 'Africa/Nairobi');
  setProvider(schedule, { id: 'u1', name: 'Dr. Test', active: true });
  setAppointmentType(schedule, { id: 'consult', name: 'Consultation', mode: 'in-person', minutes: 15 });
  const missed = addAppointment(schedule, { providerId: 'u1', patientId: p1, typeId: 'consult', start: '2026-11-03T06:00:00.000Z' }, dr);
  markNoShow(schedule, missed, dr);
  await store(ws, `chart:${p1}`, c1);
  await store(ws, `chart:${p2}`, c2);
  await store(ws, `schedule:${CLINIC}`, schedule);

  const data = await loadDashboardData(ws);
  expect([data.charts, data.unreadable, data.hasSchedule, data.timeZone]).toEqual([2, 0, true, 'Africa/Nairobi']);
  expect(data.providers).toEqual([{ id: 'u1', name: 'Dr. Test' }]);
  expect(data.visits.map((v) => v.class).sort()).toEqual(['home', 'virtual']);
  expect(data.diagnoses.map((d) => d.text)).toEqual(['Malaria']);
  const stats = dashboardStats(data, { from: '2026-11-02', to: '2026-11-08', timeZone: data.timeZone });
  expect([stats.visitsPerDay.video[1], stats.visitsPerDay.home[2], stats.noShows, stats.noShowRate]).toEqual([1, 1, 1, 1]);
  vault.close();
});

test('a chart is read again only when it changed; a fresh page reads none, from the sealed copy', async () => {
  const vault = await testVault();
  const ws = { vault, user: { clinicId: CLINIC } } as unknown as Workspace;
  const charts = Array.from({ length: 3 }, () => {
    const id = crypto.randomUUID();
    const doc = new Y.Doc();
    initChartDoc(doc, id);
    addEncounter(doc, { start: '2026-11-03T08:00:00.000Z' }, dr);
    return { id, doc };
  });
  for (const c of charts) await store(ws, `chart:${c.id}`, c.doc);
  const reads = vi.spyOn(vault.docs, 'load');
  const chartReads = () => reads.mock.calls.filter(([name]) => name.startsWith('chart:')).map(([name]) => name);

  expect((await loadDashboardData(ws)).visits).toHaveLength(3);
  expect(chartReads()).toHaveLength(3);
  reads.mockClear();
  // Nothing changed: no chart decrypted or decoded.
  expect((await loadDashboardData(ws)).visits).toHaveLength(3);
  expect(chartReads()).toEqual([]);
  // One chart gets a visit: that one is read, and its new visit counts.
  const sv = Y.encodeStateVector(charts[1].doc);
  addEncounter(charts[1].doc, { class: 'home', start: '2026-11-05T08:00:00.000Z' }, dr);
  await vault.docs.append(`chart:${charts[1].id}`, Y.encodeStateAsUpdate(charts[1].doc, sv), { pending: true, stateVector: Y.encodeStateVector(charts[1].doc) });
  const after = await loadDashboardData(ws);
  expect(chartReads()).toEqual([`chart:${charts[1].id}`]);
  expect(after.visits.map((v) => v.class).sort()).toEqual(['ambulatory', 'ambulatory', 'ambulatory', 'home']);
  // A fresh page (the module loaded again, nothing in memory): the sealed copy answers, no chart is read.
  reads.mockClear();
  // The sealed copy is written after the figures are handed back: wait for the one with the new visit.
  const sealedVisits = async () => {
    const sealed = (await vault.meta.getSealed('dashboard:records:v1', z.any(), 'dashboard')) as { charts: Record<string, { visits: unknown[] }> } | null;
    return Object.values(sealed?.charts ?? {}).reduce((n, c) => n + c.visits.length, 0);
  };
  await vi.waitFor(async () => expect(await sealedVisits()).toBe(4));
  vi.resetModules();
  const fresh = await import('./dashboard.service');
  const again = await fresh.loadDashboardData(ws);
  expect(chartReads()).toEqual([]);
  expect([again.charts, again.visits.length]).toEqual([3, 4]);
  vault.close();
});

test('without the appointment book on the device the dashboard says so rather than showing zero', async () => {
  const vault = await testVault();
  const ws = { vault, user: { clinicId: CLINIC } } as unknown as Workspace;
  const data = await loadDashboardData(ws);
  expect([data.charts, data.hasSchedule, data.appointments.length]).toEqual([0, false, 0]);
  vault.close();
});

test('registered panels (registry sizes, measure trends) are drawn; one that fails is left out, not the dashboard', async () => {
  const ws = {} as Workspace;
  expect(await extraPanels(ws, { from: '2026-11-01', to: '2026-11-30' })).toEqual({ panels: [], failed: 0 });
  registerRegistrySizePanels(async () => [{ id: 'sizes', title: 'Registries', kind: 'sizes', labels: ['Diabetes'], series: [{ name: 'Patients', values: [12] }] }]);
  registerRegistrySizePanels(async () => {
    throw new Error('not ready');
  });
  const r = await extraPanels(ws, { from: '2026-11-01', to: '2026-11-30' });
  expect(r.panels.map((p) => p.id)).toEqual(['sizes']);
  expect(r.failed).toBe(1);
  registrySizePanels.length = 0;
});
