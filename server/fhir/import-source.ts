import type { MappedPatient } from './map-patient';

/**
 * Which system a bundle comes from: the key that decides which chart
 * entries an import may update. Every entry an import writes carries it as
 * `sourceSystem`, beside `sourceId` (the resource's id in that system).
 *
 * An import updates an entry only when both match: the entry was created by
 * an import from the same system, of the same resource. Anything else with
 * the same id is refused for that entry (import-guard.ts).
 *
 * The source is, in order:
 *   1. `Bundle.meta.source` (FHIR R4: "a uri that identifies the source
 *      system of the resource"), when the sender fills it;
 *   2. the system of the Patient's medical record number identifier (type MR):
 *      the sending EHR's own namespace (Synthea: http://hospital.smarthealthit.org);
 *   3. the system of the Patient's first identifier;
 *   4. `urn:outpost:import:unnamed-source` — one shared source for senders
 *      that name none, so their entries stay apart from every named one.
 *
 * It is a claim of the sender, as everything in a bundle is: it keeps
 * imports from rewriting what Outpost or another system recorded, not one
 * importing clinician from restating a system they name. Only clinicians
 * import, and every import is audited.
 */

export const UNNAMED_SOURCE = 'urn:outpost:import:unnamed-source';

const SOURCE_RE = /^[\x21-\x7e]{1,200}$/;

export function importSource(body: unknown, patient: MappedPatient): string {
  const meta = (body as { meta?: { source?: unknown } } | null)?.meta;
  const candidates = [meta?.source, patient.mr?.system, patient.identifiers.find((i) => i.system)?.system];
  const found = candidates.find((c): c is string => typeof c === 'string' && SOURCE_RE.test(c));
  return found ?? UNNAMED_SOURCE;
}
