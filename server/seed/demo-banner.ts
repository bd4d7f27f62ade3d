import os from 'node:os';
import { DEMO_PASSWORD, DEMO_USERS } from './demo-seed';

/** The start-up lines naming the demo accounts, so whoever started the server can sign in at once. */
export function demoBanner(): string {
  const width = Math.max(...DEMO_USERS.map((u) => u.username.length));
  return [
    `Demo clinic accounts (password for all: ${DEMO_PASSWORD}):`,
    ...DEMO_USERS.map((u) => `  ${u.username.padEnd(width)}  ${u.roles.join(', ').padEnd(10)}  ${u.name}`)
  ].join('\n');
}

/** Addresses other machines on the clinic LAN can use when the server listens on all interfaces. */
export function lanUrls(host: string, port: number): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [];
  const out: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) out.push(`http://${a.address}:${port}`);
    }
  }
  return out;
}
