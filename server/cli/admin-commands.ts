import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import type Database from 'better-sqlite3';
import { AppError } from '../../src/lib/domain/errors';
import { isRole, ROLES, type Role } from '../../src/lib/domain/roles';
import { createAuditLog } from '../audit/audit-log';
import { hashPassword, MIN_PASSWORD_LENGTH } from '../auth/password';
import { createSessionStore } from '../auth/sessions';
import { listUserDevices, markDeviceLost } from '../devices/device-admin';
import { createDeviceRegistry } from '../devices/device-registry';
import { resetSecondFactor, secondFactorRoles, setSecondFactorRoles } from '../auth/second-factor';
import { migratePlatformTables, openDatabase } from '../store/db';
import { createApiClientStore } from '../smart/api-clients';
import { allValid } from '../smart/scopes';
import { migrateSyncTables } from '../store/doc-store';
import { SqliteDocumentStore, storeEngineOf } from '../store/document-store';
import { cutoffFor, LOG_COMPACTION_DEFAULT_DAYS } from '../store/log-compaction';
import { PgDocumentStore } from '../store/pg-doc-store';
import { createTransferStore } from '../transfer/transfer-store';
import {
  createClinic,
  createUser,
  findClinic,
  findUserByUsername,
  listUsers,
  setPasswordHash,
  setUserDisabled,
  USERNAME_PATTERN,
  type User
} from '../store/users';

/**
 * Administration of clinics and staff accounts from the server's shell
 * (`npm run admin -- <command>`). Works whether or not the server is running:
 * SQLite's busy timeout serialises the writes and the audit log appends
 * safely from both processes. Sessions ended here are recorded with why; a
 * running server re-checks the sessions behind its open sync connections
 * every few seconds and closes those that ended.
 */

export const ADMIN_HELP = `Outpost administration

Usage: npm run admin -- <command> [options]

Commands:
  create-clinic   --name "Clinic name"
  create-user     --clinic <id|name> --username <name> --name "Full Name" --roles clinician,nurse [--password <pw>]
  list-users
  disable-user    --username <name>      (also ends the user's sessions)
  enable-user     --username <name>
  reset-password  --username <name> [--password <pw>]   (also ends the user's sessions)
  revoke-sessions --username <name>     (a running server closes their open connections within seconds)
  list-devices    --username <name>      the browsers the user signed in on (id, browser, first and last seen, lost)
  mark-device-lost --device <id>         ends every session on that device; at its next contact it is told to erase its data
  reset-second-factor --username <name>  removes the user's authenticator and recovery codes (lost phone);
                                         they set up a new one at their next sign-in
  set-second-factor-policy --clinic <id|name> --roles clinician,admin   roles that must use a second factor
                                         (--roles none: optional for everyone; new clinics: clinician,admin)
  list-quarantined                       documents set aside because they could not be loaded
  release-document --document <name>     let a quarantined document be loaded again (after a repair or restore)
  compact-log     [--older-than-days 30] fold update-log rows older than that (at least 1 day; never a document's
                                         last row) into each document's snapshot, keeping who changed what per hour;
                                         audited; the audit log itself is never compacted
  log-provenance  --document <name>      who changed a document, per hour, in the rows compaction folded away
  add-api-client  --clinic <id|name> --name "System name" --jwks-file key.json --scopes "system/*.rs" [--by <admin>]
                  registers a system for SMART Backend Services (its public keys, the scopes it may be granted);
                  prints the client id it signs its token requests with
  list-api-clients
  disable-api-client --client <id>      refuses its token requests and ends its access tokens at once
  enable-api-client  --client <id>
  add-destination --clinic <id|name> --name "Clinic name" --url https://other.example/fhir/R4 [--key <key they issued>]
                                         a clinic this clinic may transfer or refer patients to
  list-destinations --clinic <id|name>
  remove-destination --clinic <id|name> --destination <id|name>
                                         transfers to it are refused from then on (queued ones too)
  issue-transfer-key --clinic <id|name> --name "Sending clinic"
                                         a key another clinic uses to send records here (shown once)
  list-transfer-keys --clinic <id|name>  the keys this clinic issued (id, sender, issued, revoked)
  revoke-transfer-key --clinic <id|name> --key-id <id>
                                         records sent with that key are refused from the next request on

Roles: ${ROLES.join(', ')}
Without --password you are asked twice on the terminal. Passwords need at least ${MIN_PASSWORD_LENGTH} characters.
Data directory: OUTPOST_DATA_DIR (default ./data).`;

/** Console and password prompt, replaceable in tests. */
export interface AdminIo {
  out(line: string): void;
  askPassword(question: string): Promise<string>;
}

/** A mistake in how the command was called: printed without a stack, exit code 2. */
export class UsageError extends Error {}

const OPTIONS = {
  name: { type: 'string' },
  clinic: { type: 'string' },
  username: { type: 'string' },
  roles: { type: 'string' },
  password: { type: 'string' },
  document: { type: 'string' },
  'jwks-file': { type: 'string' },
  scopes: { type: 'string' },
  client: { type: 'string' },
  by: { type: 'string' },
  url: { type: 'string' },
  key: { type: 'string' },
  device: { type: 'string' },
  'key-id': { type: 'string' },
  destination: { type: 'string' },
  'older-than-days': { type: 'string' },
  help: { type: 'boolean', short: 'h' }
} as const;

/** Runs one admin command against the data directory; returns the process exit code. */
export async function runAdmin(argv: string[], dataDir: string, io: AdminIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    io.out(`${(err as Error).message}\n\n${ADMIN_HELP}`);
    return 2;
  }
  const command = parsed.positionals[0];
  if (parsed.values.help || !command || command === 'help') {
    io.out(ADMIN_HELP);
    return command || parsed.values.help ? 0 : 2;
  }
  const db = openDatabase(dataDir);
  try {
    migratePlatformTables(db);
    migrateSyncTables(db);
    await dispatch(db, command, parsed.values, io);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.out(`Error: ${err.message}`);
      return 2;
    }
    throw err;
  } finally {
    db.close();
  }
}

type Values = { [K in keyof typeof OPTIONS]?: (typeof OPTIONS)[K]['type'] extends 'string' ? string : boolean };

function required(values: Values, key: 'name' | 'clinic' | 'username' | 'roles' | 'document' | 'jwks-file' | 'scopes' | 'client' | 'url' | 'device' | 'key-id' | 'destination'): string {
  const v = values[key]?.trim();
  if (!v) throw new UsageError(`--${key} is required`);
  return v;
}

function userOrThrow(db: Database.Database, username: string): User {
  const user = findUserByUsername(db, username);
  if (!user) throw new UsageError(`No user named "${username}"`);
  return user;
}

async function newPassword(values: Values, io: AdminIo): Promise<string> {
  let password = values.password;
  if (password === undefined) {
    password = await io.askPassword('New password: ');
    const again = await io.askPassword('Repeat password: ');
    if (again !== password) throw new UsageError('The two passwords differ');
  }
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new UsageError(`The password needs at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  return password;
}

function parseRoles(raw: string): Role[] {
  const roles = [...new Set(raw.split(',').map((r) => r.trim()).filter(Boolean))];
  const unknown = roles.filter((r) => !isRole(r));
  if (unknown.length || roles.length === 0) {
    throw new UsageError(`Unknown role(s): ${unknown.join(', ') || '(none given)'}. Roles: ${ROLES.join(', ')}`);
  }
  return roles as Role[];
}

async function dispatch(db: Database.Database, command: string, values: Values, io: AdminIo): Promise<void> {
  const audit = createAuditLog(db);
  switch (command) {
    case 'create-clinic': {
      const name = required(values, 'name');
      if (findClinic(db, name)) throw new UsageError(`A clinic named "${name}" already exists`);
      const clinic = createClinic(db, { name });
      audit.record({ action: 'clinic.create', outcome: 'success', target: clinic.id, detail: { via: 'admin-cli' } });
      io.out(`Created clinic "${clinic.name}" (${clinic.id})`);
      return;
    }
    case 'create-user': {
      const clinic = findClinic(db, required(values, 'clinic'));
      if (!clinic) throw new UsageError(`No clinic "${values.clinic}"`);
      const username = required(values, 'username');
      if (!USERNAME_PATTERN.test(username)) {
        throw new UsageError('Usernames are 2–64 letters, digits, dots, dashes or underscores');
      }
      if (findUserByUsername(db, username)) throw new UsageError(`The username "${username}" is taken`);
      const name = required(values, 'name');
      const roles = parseRoles(required(values, 'roles'));
      const passwordHash = await hashPassword(await newPassword(values, io));
      const user = createUser(db, { clinicId: clinic.id, username, name, roles, passwordHash });
      audit.record({ action: 'user.create', outcome: 'success', target: user.username, detail: { roles, via: 'admin-cli' } });
      io.out(`Created ${user.username} (${roles.join(', ')}) in "${clinic.name}"`);
      return;
    }
    case 'list-users': {
      const users = listUsers(db);
      if (users.length === 0) io.out('No users yet. Create a clinic, then a user.');
      for (const u of users) {
        io.out(
          `${u.username.padEnd(20)} ${u.roles.join(',').padEnd(18)} ${(u.disabled ? 'disabled' : 'active').padEnd(8)} ${u.clinicName}  ${u.name}`
        );
      }
      return;
    }
    case 'disable-user':
    case 'enable-user': {
      const user = userOrThrow(db, required(values, 'username'));
      const disable = command === 'disable-user';
      setUserDisabled(db, user.id, disable);
      const ended = disable ? createSessionStore(db).revokeAllForUser(user.id, 'disabled') : 0;
      audit.record({ action: 'user.disable', outcome: 'success', target: user.username, detail: { disabled: disable } });
      io.out(`${user.username} is now ${disable ? `disabled (${ended} session(s) ended)` : 'enabled'}`);
      return;
    }
    case 'reset-password': {
      const user = userOrThrow(db, required(values, 'username'));
      setPasswordHash(db, user.id, await hashPassword(await newPassword(values, io)));
      const ended = createSessionStore(db).revokeAllForUser(user.id, 'password-reset');
      audit.record({ action: 'user.password-reset', outcome: 'success', target: user.username, detail: { sessionsEnded: ended } });
      io.out(`Password of ${user.username} reset; ${ended} session(s) ended`);
      return;
    }
    case 'revoke-sessions': {
      const user = userOrThrow(db, required(values, 'username'));
      const ended = createSessionStore(db).revokeAllForUser(user.id, 'revoked');
      audit.record({ action: 'sessions.revoke', outcome: 'success', target: user.username, detail: { count: ended } });
      io.out(`Ended ${ended} session(s) of ${user.username}`);
      return;
    }
    case 'list-devices': {
      const user = userOrThrow(db, required(values, 'username'));
      const devices = listUserDevices({ devices: createDeviceRegistry(db) }, user.id);
      if (devices.length === 0) io.out(`${user.username} has not signed in on any registered device.`);
      for (const d of devices) {
        io.out(`${d.id}  ${d.userAgent}  first seen ${d.firstSeenAt}  last seen ${d.lastSeenAt}${d.lostAt ? `  LOST since ${d.lostAt}` : ''}`);
      }
      return;
    }
    case 'mark-device-lost': {
      let result;
      try {
        result = markDeviceLost({ db, devices: createDeviceRegistry(db), audit }, required(values, 'device'), { userId: null, name: `admin-cli:${os.userInfo().username}` });
      } catch (err) {
        if (err instanceof AppError) throw new UsageError(err.message);
        throw err;
      }
      io.out(
        result.alreadyLost
          ? `Device ${result.deviceId} was already reported lost; ${result.sessionsEnded} session(s) ended`
          : `Device ${result.deviceId} reported lost; ${result.sessionsEnded} session(s) ended. At its next contact it is told to erase its data.`
      );
      return;
    }
    case 'reset-second-factor': {
      const user = userOrThrow(db, required(values, 'username'));
      const had = resetSecondFactor(db, audit, user, { via: 'admin-cli' });
      io.out(had ? `Second factor of ${user.username} removed: they set up a new one at their next sign-in` : `${user.username} had no second factor set up`);
      return;
    }
    case 'set-second-factor-policy': {
      const clinic = findClinic(db, required(values, 'clinic'));
      if (!clinic) throw new UsageError(`No clinic "${values.clinic}"`);
      const raw = required(values, 'roles');
      const roles = raw.trim().toLowerCase() === 'none' ? [] : parseRoles(raw);
      setSecondFactorRoles(db, audit, clinic.id, roles, { via: 'admin-cli' });
      const now = secondFactorRoles(db, clinic.id);
      io.out(`"${clinic.name}": ${now.length ? `a second factor is required of ${now.join(', ')}` : 'a second factor is optional for everyone'}`);
      return;
    }
    case 'list-quarantined': {
      migrateSyncTables(db);
      // A hub keeps its documents, and so their quarantine, in PostgreSQL (DATABASE_URL).
      const hub = await openHubStore();
      const rows = hub
        ? await hub.use((pg) => pg.pool.query<{ name: string; reason: string; at: string }>('SELECT name, reason, at FROM doc_quarantine ORDER BY at').then((r) => r.rows))
        : (db.prepare('SELECT name, reason, at FROM doc_quarantine ORDER BY at').all() as { name: string; reason: string; at: string }[]);
      if (rows.length === 0) io.out('No document is quarantined.');
      for (const r of rows) io.out(`${r.name}  ${r.reason}  since ${r.at}`);
      return;
    }
    case 'release-document': {
      migrateSyncTables(db);
      const name = required(values, 'document');
      const hub = await openHubStore();
      const released = hub
        ? await hub.use((pg) => pg.pool.query('DELETE FROM doc_quarantine WHERE name = $1', [name]).then((r) => r.rowCount ?? 0))
        : db.prepare('DELETE FROM doc_quarantine WHERE name = ?').run(name).changes;
      if (released === 0) throw new UsageError(`${name} is not quarantined.`);
      audit.record({ action: 'doc.quarantined', outcome: 'success', target: name, detail: { released: true } });
      io.out(`Released ${name}: the server loads it again on its next open`);
      return;
    }
    case 'compact-log': {
      const raw = values['older-than-days']?.trim() ?? String(LOG_COMPACTION_DEFAULT_DAYS);
      const days = Number(raw);
      if (!/^\d+$/.test(raw) || days < 1) throw new UsageError('--older-than-days must be a whole number of days, 1 or more');
      const before = cutoffFor(days);
      const by = `admin-cli:${os.userInfo().username}`;
      const hub = await openHubStore();
      const result = hub ? await hub.use((pg) => pg.compactLog({ before, by })) : await new SqliteDocumentStore(db, audit).compactLog({ before, by });
      io.out(
        result.documents === 0
          ? `No update-log row older than ${days} days to fold.`
          : `Folded ${result.rowsFolded} update-log rows (${result.bytesFolded} bytes) of ${result.documents} documents into their snapshots; ${result.provenanceRecords} provenance records written`
      );
      return;
    }
    case 'log-provenance': {
      const name = required(values, 'document');
      const hub = await openHubStore();
      const records = hub ? await hub.use((pg) => pg.provenance(name)) : await new SqliteDocumentStore(db, audit).provenance(name);
      if (records.length === 0) io.out(`No folded update-log rows for ${name}.`);
      for (const r of records) {
        const more = r.moreEntries > 0 ? ` and ${r.moreEntries} more` : '';
        io.out(`${r.period}h  ${r.userId}  ${r.updates} updates  ${r.firstAt} to ${r.lastAt}  ${r.entries.join(', ')}${more}`);
      }
      return;
    }
    case 'add-api-client': {
      const clinic = findClinic(db, required(values, 'clinic'));
      if (!clinic) throw new UsageError(`No clinic "${values.clinic}"`);
      const name = required(values, 'name');
      const scopes = [...new Set(required(values, 'scopes').split(/\s+/).filter(Boolean))];
      if (!allValid(scopes)) throw new UsageError('Scopes are SMART system scopes such as "system/*.rs", "system/Patient.rs" or "system/*.read", separated by spaces');
      let jwks: unknown;
      try {
        jwks = JSON.parse(fs.readFileSync(required(values, 'jwks-file'), 'utf8'));
      } catch (err) {
        throw new UsageError(`Could not read the JWKS file: ${(err as Error).message}`);
      }
      const store = createApiClientStore(db);
      let client;
      try {
        client = store.add({ clinicId: clinic.id, name, jwks, scopes, createdBy: values.by?.trim() || `admin-cli:${os.userInfo().username}` });
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      audit.record({ action: 'api-client.create', outcome: 'success', target: `api-client:${client.id}`, detail: { clientId: client.id, clinicId: clinic.id, scopes, keys: client.jwks.keys.length, via: 'admin-cli' } });
      io.out(`Registered API client "${name}" for "${clinic.name}" with scopes ${scopes.join(' ')}`);
      io.out(`Client id: ${client.id}`);
      return;
    }
    case 'list-api-clients': {
      const clients = createApiClientStore(db).list();
      if (clients.length === 0) io.out('No API clients registered.');
      for (const c of clients) {
        io.out(`${c.id}  ${(c.disabled ? 'disabled' : 'active').padEnd(8)} ${c.clinicId}  ${c.scopes.join(' ')}  ${c.name}  (by ${c.createdBy}, ${c.createdAt})`);
      }
      return;
    }
    case 'disable-api-client':
    case 'enable-api-client': {
      const id = required(values, 'client');
      const disable = command === 'disable-api-client';
      if (!createApiClientStore(db).setDisabled(id, disable)) throw new UsageError(`No API client "${id}"`);
      audit.record({ action: 'api-client.disable', outcome: 'success', target: `api-client:${id}`, detail: { clientId: id, disabled: disable, via: 'admin-cli' } });
      io.out(`API client ${id} is now ${disable ? 'disabled' : 'enabled'}`);
      return;
    }
    case 'add-destination': {
      const clinic = findClinic(db, required(values, 'clinic'));
      if (!clinic) throw new UsageError(`No clinic "${values.clinic}"`);
      let dest;
      try {
        dest = createTransferStore(db).addDestination(clinic.id, required(values, 'name'), required(values, 'url'), values.key?.trim() || undefined);
      } catch (err) {
        throw new UsageError((err as Error).message);
      }
      audit.record({ action: 'transfer.configure', outcome: 'success', target: `destination:${dest.id}`, detail: { via: 'admin-cli', kind: 'transfer-destination' } });
      io.out(`Added destination "${dest.name}" (${dest.url}) for "${clinic.name}"${values.key ? '' : ' without a key: ask the destination for one (issue-transfer-key) and add it again with --key'}`);
      return;
    }
    case 'list-destinations': {
      const clinic = findClinic(db, required(values, 'clinic'));
      if (!clinic) throw new UsageError(`No clinic "${values.clinic}"`);
      const list = createTransferStore(db).destinations(clinic.id);
      if (list.length === 0) io.out('No destinations yet.');
      for (const d of list) io.out(`${d.id}  ${d.name.padEnd(30)} ${d.url}`);
      return;
    }
    case 'remove-destination': {
      const clinic = findClinic(db, required(values, 'clinic'));
      if (!clinic) throw new UsageError(`No clinic "${values.clinic}"`);
      const removed = createTransferStore(db).removeDestination(clinic.id, required(values, 'destination'));
      if (!removed) throw new UsageError(`No destination "${values.destination}" for "${clinic.name}" (see list-destinations)`);
      audit.record({ action: 'transfer.configure', outcome: 'success', target: `destination:${removed.id}`, detail: { via: 'admin-cli', kind: 'transfer-destination', removed: true } });
      io.out(`Removed destination "${removed.name}" (${removed.url}) of "${clinic.name}"`);
      return;
    }
    case 'list-transfer-keys': {
      const clinic = findClinic(db, required(values, 'clinic'));
      if (!clinic) throw new UsageError(`No clinic "${values.clinic}"`);
      const keys = createTransferStore(db).keys(clinic.id);
      if (keys.length === 0) io.out('No transfer keys issued.');
      for (const k of keys) io.out(`${k.id}  ${(k.revokedAt ? 'revoked' : 'active').padEnd(7)}  ${k.name}  (issued ${k.createdAt}${k.revokedAt ? `, revoked ${k.revokedAt}` : ''})`);
      return;
    }
    case 'revoke-transfer-key': {
      const clinic = findClinic(db, required(values, 'clinic'));
      if (!clinic) throw new UsageError(`No clinic "${values.clinic}"`);
      const id = required(values, 'key-id');
      if (!createTransferStore(db).revokeKey(clinic.id, id)) throw new UsageError(`No active transfer key "${id}" of "${clinic.name}" (see list-transfer-keys)`);
      audit.record({ action: 'transfer.configure', outcome: 'success', target: `transfer-key:${id}`, detail: { via: 'admin-cli', kind: 'transfer-key', revoked: true } });
      io.out(`Revoked transfer key ${id} of "${clinic.name}": records sent with it are refused from now on`);
      return;
    }
    case 'issue-transfer-key': {
      const clinic = findClinic(db, required(values, 'clinic'));
      if (!clinic) throw new UsageError(`No clinic "${values.clinic}"`);
      const { id, key } = createTransferStore(db).issueKey(clinic.id, required(values, 'name'));
      audit.record({ action: 'transfer.configure', outcome: 'success', target: `transfer-key:${id}`, detail: { via: 'admin-cli', kind: 'transfer-key' } });
      io.out(`Transfer key for "${values.name}" sending to "${clinic.name}" (shown once; give it to that clinic's administrator):\n${key}`);
      io.out(`Key id: ${id} (for revoke-transfer-key)`);
      return;
    }
    default:
      throw new UsageError(`Unknown command "${command}". Try --help.`);
  }
}

/** The hub's PostgreSQL document store when DATABASE_URL names one; null for the embedded store. */
async function openHubStore(): Promise<{ use<T>(fn: (store: PgDocumentStore) => Promise<T>): Promise<T> } | null> {
  const url = process.env.DATABASE_URL?.trim();
  if (!url || storeEngineOf(url) !== 'postgres') return null;
  const store = await PgDocumentStore.open(url, { max: 1 });
  return {
    async use(fn) {
      try {
        return await fn(store);
      } finally {
        await store.close();
      }
    }
  };
}
