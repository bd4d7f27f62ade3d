/**
 * Roles a user can hold. A constant object with a derived union type, so the
 * list is iterable at run time and exhaustive at compile time.
 */
export const ROLES = ['admin', 'clinician', 'nurse', 'frontdesk', 'patient'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Clinical roles may open clinical (`chart:`) documents. */
export const CLINICAL_ROLES: readonly Role[] = ['clinician', 'nurse'];

export function hasClinicalRole(roles: readonly Role[]): boolean {
  return roles.some((r) => CLINICAL_ROLES.includes(r));
}
