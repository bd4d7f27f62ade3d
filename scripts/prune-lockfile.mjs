// Removes, from package-lock.json, optional platform packages that the lock
// names but does not contain (e.g. rollup's binaries for other systems when
// the registry mirror serves only this platform's). npm 11's `npm ci`
// refuses a lock that names optional packages it does not hold.
// Run after `npm install` changes the lock: node scripts/prune-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const path = 'package-lock.json';
const lock = JSON.parse(readFileSync(path, 'utf8'));
const packages = lock.packages ?? {};
let removed = 0;
for (const [at, node] of Object.entries(packages)) {
  const optional = node.optionalDependencies;
  if (!optional) continue;
  for (const name of Object.keys(optional)) {
    const nested = at ? `${at}/node_modules/${name}` : `node_modules/${name}`;
    if (!(nested in packages) && !(`node_modules/${name}` in packages)) {
      delete optional[name];
      removed++;
    }
  }
}
writeFileSync(path, JSON.stringify(lock, null, 2) + '\n');
console.log(`package-lock.json: removed ${removed} optional entries that the lock does not contain`);
