import { randomUUID } from 'node:crypto';
import type Database from 'better-sqlite3';
import { isRole, type Role } from '../../src/lib/domain/roles';

/**
 * Clinics and staff accounts. A user belongs to one clinic and sees only
 * that clinic's documents; roles decide which kinds of document they open.
 */

/** Usernames are 2–64 letters, digits, dots, dashes or underscores (the CLI and the admin console both check it). */
export const USERNAME_PATTERN = /^[A-Za-z0-9._-]{2,64}$/;

export interface Clinic {
  id: string;
  name: string;
  demo: boolean;
  createdAt: string;
}

export interface User {
  id: string;
  clinicId: string;
  username: string;
  name: string;
  roles: Role[];
  passwordHash: string;
  disabled: boolean;
  createdAt: string;
}

interface ClinicRow {
  id: string;
  name: string;
  demo: number;
  created_at: string;
}

interface UserRow {
  id: string;
  clinic_id: string;
  username: string;
  name: string;
  roles: string;
  password_hash: string;
  disabled: number;
  created_at: string;
}

function toClinic(r: ClinicRow): Clinic {
  return { id: r.id, name: r.name, demo: r.demo === 1, createdAt: r.created_at };
}

/** Roles are stored as JSON; anything not a known role (an older spelling) is dropped. */
function parseRoles(json: string): Role[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter(isRole) : [];
  } catch {
    return [];
  }
}

function toUser(r: UserRow): User {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    username: r.username,
    name: r.name,
    roles: parseRoles(r.roles),
    passwordHash: r.password_hash,
    disabled: r.disabled === 1,
    createdAt: r.created_at
  };
}

/**
 * `secondFactorRoles`: the roles that must use a second factor in this
 * clinic (default clinician and admin, see auth/second-factor.ts).
 */
export function createClinic(db: Database.Database, input: { name: string; demo?: boolean; secondFactorRoles?: readonly Role[] }): Clinic {
  const clinic: Clinic = {
    id: randomUUID(),
    name: input.name.trim(),
    demo: input.demo ?? false,
    createdAt: new Date().toISOString()
  };
  db.prepare('INSERT INTO clinics (id, name, demo, created_at) VALUES (?, ?, ?, ?)').run(
    clinic.id,
    clinic.name,
    clinic.demo ? 1 : 0,
    clinic.createdAt
  );
  if (input.secondFactorRoles) {
    db.prepare('UPDATE clinics SET second_factor_roles = ? WHERE id = ?').run(JSON.stringify(input.secondFactorRoles.filter(isRole)), clinic.id);
  }
  return clinic;
}

export function listClinics(db: Database.Database): Clinic[] {
  return (db.prepare('SELECT * FROM clinics ORDER BY created_at, name').all() as ClinicRow[]).map(toClinic);
}

export function findClinic(db: Database.Database, idOrName: string): Clinic | null {
  const row = db.prepare('SELECT * FROM clinics WHERE id = ? OR name = ? COLLATE NOCASE').get(idOrName, idOrName) as
    | ClinicRow
    | undefined;
  return row ? toClinic(row) : null;
}

export interface NewUser {
  clinicId: string;
  username: string;
  name: string;
  roles: Role[];
  passwordHash: string;
  disabled?: boolean;
}

export function createUser(db: Database.Database, input: NewUser): User {
  const user: User = {
    id: randomUUID(),
    clinicId: input.clinicId,
    username: input.username.trim(),
    name: input.name.trim(),
    roles: [...input.roles],
    passwordHash: input.passwordHash,
    disabled: input.disabled ?? false,
    createdAt: new Date().toISOString()
  };
  db.prepare(
    `INSERT INTO users (id, clinic_id, username, name, roles, password_hash, disabled, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?)`
  ).run(
    user.id,
    user.clinicId,
    user.username,
    user.name,
    JSON.stringify(user.roles),
    user.passwordHash,
    user.disabled ? 1 : 0,
    user.createdAt
  );
  return user;
}

export function findUserByUsername(db: Database.Database, username: string): User | null {
  const row = db.prepare('SELECT * FROM users WHERE username = ?').get(username.trim()) as UserRow | undefined;
  return row ? toUser(row) : null;
}

export function findUserById(db: Database.Database, id: string): User | null {
  const row = db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
  return row ? toUser(row) : null;
}

export function listUsers(db: Database.Database): (User & { clinicName: string })[] {
  const rows = db
    .prepare(
      `SELECT u.*, c.name AS clinic_name FROM users u JOIN clinics c ON c.id = u.clinic_id
       ORDER BY c.name, u.username`
    )
    .all() as (UserRow & { clinic_name: string })[];
  return rows.map((r) => ({ ...toUser(r), clinicName: r.clinic_name }));
}

export function setUserDisabled(db: Database.Database, userId: string, disabled: boolean): void {
  db.prepare('UPDATE users SET disabled = ? WHERE id = ?').run(disabled ? 1 : 0, userId);
}

export function setPasswordHash(db: Database.Database, userId: string, passwordHash: string): void {
  db.prepare('UPDATE users SET password_hash = ? WHERE id = ?').run(passwordHash, userId);
}

/** The staff of one clinic, by username: what its administrator manages. */
export function listUsersOfClinic(db: Database.Database, clinicId: string): User[] {
  return (db.prepare('SELECT * FROM users WHERE clinic_id = ? ORDER BY username').all(clinicId) as UserRow[]).map(toUser);
}

export function setUserRoles(db: Database.Database, userId: string, roles: readonly Role[]): void {
  db.prepare('UPDATE users SET roles = ? WHERE id = ?').run(JSON.stringify([...new Set(roles)]), userId);
}
