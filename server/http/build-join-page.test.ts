import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The patient's join page is opened on phones over poor links: what it
 * loads before it can be used must not hold the clinician app. Reads the
 * Vite manifest of the last `npm run build`: the chunks each route's page
 * and layout import statically (what the browser fetches to show it).
 * Without a build the check is skipped and says why.
 */
const OUTPUT = path.resolve(import.meta.dirname, '../../.svelte-kit');
const MANIFEST = path.join(OUTPUT, 'output/client/.vite/manifest.json');
const NODES = path.join(OUTPUT, 'generated/client-optimized/nodes');
const built = fs.existsSync(MANIFEST) && fs.existsSync(NODES);

type Manifest = Record<string, { name?: string; file?: string; imports?: string[]; dynamicImports?: string[] }>;
const CLIENT = path.join(OUTPUT, 'output/client');
/** A text only the session manager's code holds (its chunk may be named after another module it was bundled with). */
const SESSION_MARKER = 'This device holds no records for this account';

describe.skipIf(!built)('join page bundle (skipped: no build — run `npm run build` first)', () => {
  const manifest: Manifest = built ? JSON.parse(fs.readFileSync(MANIFEST, 'utf8')) : {};

  /** The manifest key of the node whose component is the given route file. */
  function nodeOf(routeFile: string): string {
    const file = fs.readdirSync(NODES).find((f) => fs.readFileSync(path.join(NODES, f), 'utf8').includes(`src/routes/${routeFile}"`));
    if (!file) throw new Error(`no node for ${routeFile}`);
    return `.svelte-kit/generated/client-optimized/nodes/${file}`;
  }

  /** Names of the chunks loaded with the node before it runs (static imports, transitively). */
  function staticChunks(key: string, seen = new Set<string>()): string[] {
    for (const dep of manifest[key]?.imports ?? []) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      staticChunks(dep, seen);
    }
    return [...seen].map((k) => manifest[k]?.name ?? k);
  }

  const CLINICIAN_APP = ['session-manager.svelte', 'chart.service', 'video-call.svelte'];

  it('the join page and the root layout load none of the session, chart or LiveKit code before the page is usable', () => {
    const join = [...staticChunks(nodeOf('join/[token]/+page.svelte')), ...staticChunks(nodeOf('+layout.svelte'))];
    // Positive control: the join page does load its own telehealth client (found by its text: bundling may fold it into a chunk of another name).
    expect(staticCode(nodeOf('join/[token]/+page.svelte'))).toContain('/api/telehealth/join/check');
    expect(join.filter((n) => CLINICIAN_APP.includes(n))).toEqual([]);
    // The call's code is there, fetched later.
    expect(manifest[nodeOf('join/[token]/+page.svelte')].dynamicImports?.map((k) => manifest[k]?.name)).toContain('video-call.svelte');
  });

  /** The code the browser runs for a node before it is usable: the node's own file and its static imports. */
  function staticCode(key: string): string {
    const keys = [key, ...staticKeys(key)];
    return keys.map((k) => (manifest[k]?.file ? fs.readFileSync(path.join(CLIENT, manifest[k].file!), 'utf8') : '')).join('\n');
  }
  function staticKeys(key: string, seen = new Set<string>()): string[] {
    for (const dep of manifest[key]?.imports ?? []) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      staticKeys(dep, seen);
    }
    return [...seen];
  }

  it('the join page holds none of the session code, by its text (bundling may fold it into a chunk of another name)', () => {
    expect(staticCode(nodeOf('join/[token]/+page.svelte')) + staticCode(nodeOf('+layout.svelte'))).not.toContain(SESSION_MARKER);
  });

  it('the clinician app layout does load the session code', () => {
    // Positive control for both checks above: the marker is found where the session code is.
    expect(staticCode(nodeOf('(app)/+layout.svelte'))).toContain(SESSION_MARKER);
    expect(staticChunks(nodeOf('(app)/patients/[id]/+layout.svelte'))).toContain('chart.service');
  });
});
