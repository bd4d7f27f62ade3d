import type { AccessGate } from '../types';
import type { AccessStore } from './access-store';
import type { RestrictionCategory } from '../../src/lib/domain/restriction-categories';

/**
 * The rules the sync server and the FHIR API apply (SyncDeps.access):
 *
 * - a running break-glass grant opens the patient's documents to its user,
 *   even when another clinic holds them, and the restricted part;
 * - the restricted part (`restricted:<patient>`) opens only to the users a
 *   restriction in force names, or to a grant; once every restriction of
 *   the patient is lifted it opens to the clinic's clinical staff again;
 * - the FHIR API leaves out the resources coded in a restricted category
 *   for everyone else.
 */
export function createAccessGate(store: AccessStore, now: () => number = Date.now): AccessGate {
  return {
    grant(userId, patientId) {
      const g = store.activeGrant(userId, patientId);
      if (!g) return null;
      const expiresAt = Date.parse(g.expiresAt);
      return expiresAt > now() ? { id: g.id, expiresAt } : null;
    },
    named(userId, patientId) {
      const restrictions = store.restrictionsOf(patientId);
      // Every restriction lifted: what was kept apart is the care team's again (the lift is recorded and audited).
      if (restrictions.length === 0) return true;
      return restrictions.some((r) => r.allowedUserIds.includes(userId));
    },
    hiddenCategories(userId, patientId) {
      const restrictions = store.restrictionsOf(patientId);
      if (restrictions.length === 0) return [];
      if (this.grant(userId, patientId)) return [];
      const hidden = new Set<RestrictionCategory>();
      for (const r of restrictions) if (!r.allowedUserIds.includes(userId)) hidden.add(r.category);
      // Named by one restriction of a category, a user sees that category.
      for (const r of restrictions) if (r.allowedUserIds.includes(userId)) hidden.delete(r.category);
      return [...hidden];
    },
    restrictedCategories(patientId) {
      return [...new Set(store.restrictionsOf(patientId).map((r) => r.category))];
    }
  };
}
