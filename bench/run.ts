export {};
/**
 * `npm run bench`: runs every benchmark in one process and prints figures,
 * each with a baseline measured in the same process and the ratio.
 * Loopback only, bounded in time.
 */
const suites: { name: string; load: () => Promise<{ run: () => Promise<void> }> }[] = [
  { name: 'sync server', load: () => import('./sync-server.bench') },
  { name: 'client', load: () => import('./client.bench') },
  { name: 'drug checks', load: () => import('./drug-checks.bench') },
  { name: 'cds checks', load: () => import('./cds-checks.bench') },
  { name: 'reminders', load: () => import('./reminders.bench') },
  { name: 'registries', load: () => import('./registries.bench') },
  { name: 'fhir import', load: () => import('./fhir-import.bench') },
  { name: 'fhir export', load: () => import('./fhir-export.bench') },
  { name: 'quality measures', load: () => import('./quality-measures.bench') },
  // The dashboard's figures for 500 patients in Node; then first paint in Chromium (built app), skipped without it.
  { name: 'dashboard', load: () => import('./dashboard.bench') },
  { name: 'chart open', load: () => import('./chart-open.bench') },
  { name: 'patient search', load: () => import('./patient-search.bench') },
  { name: 'icd10 search', load: () => import('./icd10-search.bench') },
  { name: 'session check', load: () => import('./session-check.bench') },
  { name: 'write policy', load: () => import('./write-policy.bench') },
  { name: 'wire bytes', load: () => import('./wire-bytes.bench') },
  // A 20,000-patient clinic's first sign-in and device storage, with and without the panel policy (Node, fake-indexeddb).
  { name: 'panel 20k', load: () => import('./panel-20k.bench') },
  // The appointment book by month: bytes a staff device holds, two years × 40 appointments a day, against the single document.
  { name: 'schedule months', load: () => import('./schedule-months.bench') },
  // Update-log compaction on a realistic chart: rows and bytes before and after.
  { name: 'log compaction', load: () => import('./log-compaction.bench') },
  // Outpost's /sync beside the y-websocket reference server and Hocuspocus; needs ../shared/bench-peers, skips otherwise.
  { name: 'peer sync', load: () => import('./peer-sync.bench') },
  // Needs Chromium and the built app; says so and skips otherwise.
  { name: 'chart render', load: () => import('./chart-render.bench') },
  // Chromium on an emulated slow rural link; needs the built app, skips otherwise.
  { name: 'slow link', load: () => import('./slow-link.bench') },
  // The patient screens' JavaScript (gzip) in Chromium; needs the built app, skips otherwise.
  { name: 'portal bundle', load: () => import('./portal-bundle.bench') }
];

// `npm run bench -- peer-sync` and `-- 'peer sync'` pick the same suite.
const only = process.argv[2]?.replace(/-/g, ' ');
for (const suite of suites) {
  if (only && !suite.name.includes(only)) continue;
  console.log(`\n=== ${suite.name} ===`);
  const mod = await suite.load();
  await mod.run();
}
process.exit(0);
