// Node module hook that compiles Svelte rune modules (`*.svelte.ts`) the way
// the app's build does (TypeScript stripped by esbuild, runes compiled by
// svelte/compiler), so benchmarks run the app's own rune classes in Node.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';
import { compileModule } from 'svelte/compiler';

export async function load(url, context, nextLoad) {
  if (!/\.svelte\.(ts|js)$/.test(new URL(url).pathname)) return nextLoad(url, context);
  const filename = fileURLToPath(url);
  let code = await readFile(filename, 'utf8');
  if (filename.endsWith('.ts')) code = (await transform(code, { loader: 'ts', format: 'esm', target: 'es2022' })).code;
  const out = compileModule(code, { filename, generate: 'client', dev: false });
  return { format: 'module', source: out.js.code, shortCircuit: true };
}
