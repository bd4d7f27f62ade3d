import type Database from 'better-sqlite3';
import { z } from 'zod';
import { AppError } from '../../src/lib/domain/errors';
import { hashPassword } from '../auth/password';
import { readJson } from '../http/body';
import type { Route } from '../http/context';
import { sendJson } from '../http/errors';
import { createClinic, createUser, findClinic, findUserByUsername, listClinics, USERNAME_PATTERN } from '../store/users';
import type { Audit } from '../types';
import { requireAdmin } from './admin-guard';
import { parseReadable } from './admin-security-routes';
import { adminUserView } from './admin-user-routes';
import { generatePassword } from './generated-password';

/**
 * The clinics this server holds, and a new one made from the console (the
 * CLI's `create-clinic` does the same and stays). A new clinic gets its
 * first administrator at once, with a generated password shown once, so it
 * is never left without anybody who can manage it; the administrator who
 * made it gets no account and no access there. The list shows names and
 * dates only: nothing of another clinic's users or patients.
 */

const createSchema = z
  .object({
    name: z.string({ error: 'Name the clinic' }).trim().min(1, 'Name the clinic').max(200, 'The clinic name is too long'),
    admin: z
      .object({
        username: z.string({ error: 'Enter a username for its administrator' }).trim().regex(USERNAME_PATTERN, 'Usernames are 2–64 letters, digits, dots, dashes or underscores'),
        name: z.string({ error: 'Enter its administrator’s name' }).trim().min(1, 'Enter its administrator’s name').max(200, 'The name is too long')
      }, { error: 'Name the clinic’s first administrator' })
      .strict()
  })
  .strict();

export function adminClinicsRoutes(deps: { db: Database.Database; audit: Audit }): Route[] {
  const { db, audit } = deps;
  const countUsers = db.prepare('SELECT clinic_id AS clinicId, count(*) AS n FROM users GROUP BY clinic_id');

  return [
    {
      method: 'GET',
      path: '/api/admin/clinics',
      handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const users = new Map((countUsers.all() as { clinicId: string; n: number }[]).map((r) => [r.clinicId, r.n]));
        sendJson(ctx.res, 200, {
          clinics: listClinics(db).map((c) => ({ id: c.id, name: c.name, createdAt: c.createdAt, users: users.get(c.id) ?? 0, yours: c.id === admin.clinicId }))
        });
      }
    },
    {
      method: 'POST',
      path: '/api/admin/clinics',
      async handler(ctx) {
        const admin = requireAdmin(ctx, audit);
        const body = parseReadable(createSchema, await readJson(ctx.req, 16 * 1024));
        const taken = () => {
          if (findClinic(db, body.name)) throw new AppError('conflict', `A clinic named "${body.name}" already exists.`, [{ path: 'name', message: 'Taken' }]);
          if (findUserByUsername(db, body.admin.username)) throw new AppError('conflict', `The username "${body.admin.username}" is taken.`, [{ path: 'admin.username', message: 'Taken' }]);
        };
        taken();
        const password = generatePassword();
        const passwordHash = await hashPassword(password);
        // Checked again after the slow hash; then clinic and administrator are made together or not at all.
        const made = db.transaction(() => {
          taken();
          const clinic = createClinic(db, { name: body.name });
          const user = createUser(db, { clinicId: clinic.id, username: body.admin.username, name: body.admin.name, roles: ['admin'], passwordHash });
          return { clinic, user };
        })();
        audit.record({ action: 'clinic.create', outcome: 'success', userId: admin.id, target: made.clinic.id, detail: { via: 'admin-console', byClinic: admin.clinicId }, ip: ctx.ip });
        audit.record({ action: 'user.create', outcome: 'success', userId: admin.id, target: made.user.username, detail: { userId: made.user.id, clinicId: made.clinic.id, roles: ['admin'], passwordGenerated: true, via: 'admin-console' }, ip: ctx.ip });
        sendJson(ctx.res, 201, {
          clinic: { id: made.clinic.id, name: made.clinic.name, createdAt: made.clinic.createdAt, users: 1, yours: false },
          admin: adminUserView(made.user),
          generatedPassword: password
        });
      }
    }
  ];
}
