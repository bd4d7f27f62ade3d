import { isClinicDocKind, parseDocName } from '../../../src/lib/domain/doc-names';
import type { RuleInput, RuleOutput, Violation } from '../policy-types';
import { diffNodes, fieldsOf, locate, valueOf } from '../node-values';

/**
 * Rules for the records that name what a document is, and for what the
 * FHIR importer may write.
 *
 * - `meta.identity` (refuse): a document's `meta.kind`, and the patient or
 *   clinic it names, are those of the document's own name, for life.
 * - `meta.schema-version` (correct): the layout version only moves forward
 *   (two devices migrating at once may write different versions; the
 *   higher one stands).
 * - `patient.identity` (refuse): the demographics record names its own
 *   patient, as a FHIR Patient.
 * - `patient.shape` (refuse): given names are a list of text, every other
 *   demographic a text.
 * - `import.outpost-entry` (refuse): an import may update only what an
 *   import created (an entry with a `sourceId`); what was charted in
 *   Outpost is never rewritten by a bundle. The importer refuses such
 *   entries one by one and reports them; this is the backstop.
 * - `import.demographics` (refuse): an import does not rewrite an existing
 *   patient's demographics; a differing value goes to review instead.
 * - `record.source-fixed` (refuse): an entry made in Outpost never gains a
 *   `sourceId` (which would open it to imports).
 */

export function metaRule(input: RuleInput): RuleOutput {
  const { change, doc } = input;
  const out: Violation[] = [];
  const at = (f: string) => locate(change.root, null, [f]);
  const refuse = (f: string, message: string) => out.push({ rule: 'meta.identity', action: 'refuse', at: at(f), message });
  const kind = valueOf(change.after, 'kind');
  if (kind !== undefined && kind !== doc.kind) refuse('kind', 'The document kind is the one its name says');
  const clinicLevel = isClinicDocKind(doc.kind);
  const idField = clinicLevel ? 'clinicId' : 'patientId';
  const id = valueOf(change.after, idField);
  const parsed = parseDocName(doc.name);
  // A month of the appointment book (`schedule:<clinicId>:<YYYY-MM>`) names the clinic before its month.
  const own = clinicLevel ? (parsed && 'clinicId' in parsed ? parsed.clinicId : doc.name.slice(doc.name.indexOf(':') + 1)) : doc.patientId;
  if (id !== undefined && id !== own) refuse(idField, 'The document names its own patient or clinic');
  const version = valueOf(change.after, 'schemaVersion');
  if (version !== undefined && !(typeof version === 'number' && Number.isInteger(version) && version >= 0)) {
    refuse('schemaVersion', 'The layout version is a whole number');
  }
  if (out.length) return { violations: out };
  const was = valueOf(change.before, 'schemaVersion');
  if (typeof was === 'number' && typeof version === 'number' && version < was) {
    return {
      violations: [{ rule: 'meta.schema-version', action: 'correct', at: at('schemaVersion'), message: 'The layout version only moves forward' }],
      corrections: [{ root: change.root, key: null, path: ['schemaVersion'], value: was }]
    };
  }
  return {};
}

/** Demographic fields that hold text (domain/patient.ts). */
const TEXT_FIELDS = ['family', 'birthDate', 'gender', 'mrn', 'phone', 'email', 'addressLine', 'city', 'postalCode', 'deceasedDate'];

export function patientRule(input: RuleInput): RuleOutput {
  const { change, doc, author } = input;
  const after = change.after;
  if (!after) return {};
  const out: Violation[] = [];
  const at = (f: string) => locate(change.root, null, [f]);
  const id = valueOf(after, 'id');
  if (id !== undefined && id !== doc.patientId) out.push({ rule: 'patient.identity', action: 'refuse', at: at('id'), message: 'The record names its own patient' });
  const rt = valueOf(after, 'resourceType');
  if (rt !== undefined && rt !== 'Patient') out.push({ rule: 'patient.identity', action: 'refuse', at: at('resourceType'), message: 'The record is a Patient' });
  const given = valueOf(after, 'given');
  if (given !== undefined && !(Array.isArray(given) && given.length <= 10 && given.every((g) => typeof g === 'string' && g.length <= 200))) {
    out.push({ rule: 'patient.shape', action: 'refuse', at: at('given'), message: 'Given names are a list of text' });
  }
  for (const f of TEXT_FIELDS) {
    const v = valueOf(after, f);
    if (v !== undefined && !(typeof v === 'string' && v.length <= 1000)) out.push({ rule: 'patient.shape', action: 'refuse', at: at(f), message: `The ${f} is text` });
  }
  if (author.kind === 'server' && author.origin === 'import' && change.before) {
    for (const f of ['given', ...TEXT_FIELDS]) {
      const was = valueOf(change.before, f);
      const now = valueOf(after, f);
      const empty = was === undefined || was === '' || (Array.isArray(was) && was.length === 0);
      if (!empty && JSON.stringify(was) !== JSON.stringify(now)) {
        out.push({ rule: 'import.demographics', action: 'refuse', at: at(f), message: 'An import does not rewrite demographics; the change goes to review' });
      }
    }
  }
  return { violations: out };
}

/** For every chart collection: what imports may touch, and that an Outpost entry stays one. */
export function importRule(input: RuleInput): RuleOutput {
  const { change, author } = input;
  const { before, after } = change;
  if (!before || !after || before.t !== 'map') return {};
  const sourceBefore = valueOf(before, 'sourceId');
  if (sourceBefore === undefined && fieldsOf(after).sourceId) {
    return { violations: [{ rule: 'record.source-fixed', action: 'refuse', at: locate(change.root, change.key, ['sourceId']), message: 'An entry made here is never marked as imported' }] };
  }
  if (author.kind === 'server' && author.origin === 'import' && sourceBefore === undefined && diffNodes(before, after).length > 0) {
    return { violations: [{ rule: 'import.outpost-entry', action: 'refuse', at: locate(change.root, change.key), message: 'An import does not rewrite what was charted here' }] };
  }
  return {};
}
