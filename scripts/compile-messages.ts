import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/**
 * Vitest global setup: compiles the message files (messages/<locale>.json and messages/<area>/<locale>.json,
 * see project.inlang/settings.json) into src/lib/paraglide (what
 * the app imports) when the compiled messages are missing or older than a
 * message file, with the same options as the Vite plugin in vite.config.ts.
 * The plugin itself is left out under Vitest, and the compiler runs in a
 * child process: both keep handles open that stop Vitest from exiting.
 */
export default function setup(): void {
  const out = path.join('src', 'lib', 'paraglide', 'messages.js');
  const sources = readdirSync('messages', { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .map((f) => path.join('messages', f));
  const fresh = existsSync(out) && sources.every((f) => statSync(f).mtimeMs <= statSync(out).mtimeMs);
  if (fresh) return;
  execFileSync('npm', ['run', 'i18n', '--silent'], { stdio: 'inherit' });
}
