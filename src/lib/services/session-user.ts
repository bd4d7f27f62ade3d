import { z } from 'zod';
import { readDevicePanel } from '../domain/device-panel';
import { ROLES } from '../domain/roles';

/**
 * The signed-in staff member as the server describes them (`POST
 * /api/auth/login`, `GET /api/auth/me`). Validated at the boundary and kept
 * sealed in the user's store so an offline unlock knows the roles.
 */
export const sessionUserSchema = z.object({
  id: z.string().min(1),
  username: z.string().min(1),
  name: z.string(),
  roles: z.array(z.enum(ROLES)),
  clinicId: z.string().min(1),
  clinicName: z.string(),
  /**
   * The clinic's own settings (set in the admin console), sealed with the
   * profile so an offline unlock applies them too. Absent from older
   * servers and older sealed profiles: the server-wide configuration applies.
   */
  clinicSettings: z
    .object({
      idleLockMinutes: z.number().positive(),
      /** What this device keeps (domain/device-panel.ts); absent or unreadable: every patient. */
      devicePanel: z.unknown().transform(readDevicePanel).optional()
    })
    .optional()
});
export type SessionUser = z.infer<typeof sessionUserSchema>;

export const userResponseSchema = z.object({ user: sessionUserSchema });

export const appConfigSchema = z.object({
  demo: z.boolean(),
  clinicName: z.string().nullable(),
  idleLockMinutes: z.number().positive(),
  video: z.object({ configured: z.boolean() }),
  version: z.string()
});
export type AppConfig = z.infer<typeof appConfigSchema>;

export const DEFAULT_CONFIG: AppConfig = {
  demo: false,
  clinicName: null,
  idleLockMinutes: 15,
  video: { configured: false },
  version: ''
};
