import { z } from 'zod';
import { ALLERGY_CATEGORIES, ALLERGY_CRITICALITIES, REACTION_SEVERITIES } from '../../../src/lib/domain/chart';
import { appointmentTypeSchema, availabilitySchema, providerSchema } from '../../../src/lib/domain/scheduling';
import { ORDER_CATEGORIES, ORDER_PRIORITIES, ORDER_STATUSES } from '../../../src/lib/domain/orders';
import { TEMPLATE_STATUSES } from '../../../src/lib/domain/visit-templates';
import { SEND_STATES } from '../../../src/lib/chart/pharmacy-send-doc';
import type { RuleInput, RuleOutput, Violation } from '../policy-types';
import { diffNodes, locate } from '../node-values';
import { plain } from '../yjs-view';

/**
 * `structure.field-type` (refuse): the type of each field an update writes,
 * as the app stores it. Only fields the update changes are checked, so an
 * entry written long ago by an older app in a slightly other shape can
 * still be edited; fields this table does not name are only held to the
 * JSON rules (structure.ts), so a newer app's extra fields merge.
 */

const str = z.string();
const concept = z.object({ text: z.string(), coding: z.array(z.object({ system: z.string().optional(), code: z.string().optional(), display: z.string().optional() })).optional() });
const strings = z.array(z.string());
const list = z.array(z.unknown());
const obj = z.record(z.string(), z.unknown());
const reference = z.object({ reference: z.string(), display: z.string() });
const fieldEdit = z.object({ id: z.string(), field: z.string(), value: z.string(), by: z.string(), at: z.string() });

/** Fields every entry may carry. */
const COMMON: Record<string, z.ZodType> = {
  id: str,
  resourceType: str,
  status: str,
  verificationStatus: str,
  clinicalStatus: str,
  sourceId: str,
  sourceName: str,
  sourceDate: str,
  sourceAuthor: str,
  encounterId: str,
  createdAt: str,
  createdBy: str,
  updatedAt: str,
  updatedBy: str,
  enteredInErrorAt: str,
  enteredInErrorBy: str,
  enteredInErrorReason: str
};

type Shape = Record<string, z.ZodType>;

const CHART_SHAPES: Record<string, Shape> = {
  allergies: {
    code: concept,
    category: z.enum(ALLERGY_CATEGORIES),
    criticality: z.enum(ALLERGY_CRITICALITIES),
    reaction: str,
    severity: z.union([z.enum(REACTION_SEVERITIES), z.literal('')]),
    recordedDate: str
  },
  conditions: { code: concept, onsetDate: str, abatementDate: str, note: str, recordedDate: str },
  encounters: { class: str, type: str, reason: str, start: str, end: str },
  observations: {
    category: str,
    code: concept,
    effectiveDateTime: str,
    issued: str,
    valueQuantity: z.object({ value: z.number() }).passthrough(),
    valueCodeableConcept: concept,
    valueString: str,
    valueBoolean: z.boolean(),
    valueInteger: z.number().int(),
    component: list,
    referenceRange: list,
    interpretation: list,
    basedOn: strings,
    performer: z.array(z.object({ reference: z.string().optional(), display: z.string() })),
    kitLotNumber: z.string().max(60),
    notInCatalogue: z.boolean(),
    reviewedAt: str,
    reviewedBy: str,
    reviewedById: str
  },
  medications: {
    medicationCodeableConcept: concept,
    intent: str,
    authoredOn: str,
    dosageText: str,
    dosage: obj,
    dispense: obj,
    requester: reference,
    detectedIssues: list,
    priorPrescription: str,
    note: str,
    asNeeded: z.boolean(),
    reasonCode: list,
    statusReason: str,
    statusChangedAt: str,
    statusChangedBy: str
  },
  immunizations: { vaccineCode: concept, occurrenceDateTime: str, lotNumber: str, site: concept, route: concept, primarySource: z.boolean() },
  orders: {
    status: z.enum(ORDER_STATUSES),
    intent: str,
    category: z.enum(ORDER_CATEGORIES),
    code: concept,
    priority: z.enum(ORDER_PRIORITIES),
    reasonText: str,
    note: str,
    authoredOn: str,
    requester: reference,
    statusReason: str,
    statusChangedAt: str,
    statusChangedBy: str,
    completedByResult: str,
    notInCatalogue: z.boolean(),
    pointOfCare: z.boolean()
  },
  pharmacySends: {
    medicationId: str,
    pharmacyId: str,
    state: z.enum(SEND_STATES),
    queuedAt: str,
    queuedBy: str,
    queuedById: str,
    attempts: z.number().int().min(0),
    nextAttemptAt: str,
    lastError: str,
    permanent: z.boolean(),
    heldAlerts: list,
    sendOverrides: list,
    pharmacyReference: str,
    deliveredAt: str,
    cancelReason: str
  },
  attachments: { title: str, contentType: str, size: z.number().int().min(0), sha256: str, uploaded: z.boolean(), uploadedAt: str },
  allergyStatements: { recordedAt: str, recordedBy: str, recordedById: str, endedAt: str, endedBy: str, endedReason: str },
  careTeam: { name: str, role: str, userId: str, since: str, addedAt: str, addedBy: str, endedAt: str, endedBy: str },
  transfers: {
    destinationId: str,
    destinationName: str,
    reason: str,
    noteIds: strings,
    state: z.enum(['queued', 'sending', 'delivered', 'review', 'failed']),
    queuedAt: str,
    queuedBy: str,
    queuedById: str,
    attempts: z.number().int().min(0),
    lastError: str,
    sentAt: str
  },
  incoming: {
    collection: z.enum(['allergies', 'conditions', 'medications']),
    targetId: str,
    fields: obj,
    display: str,
    sourceSystem: str,
    sourceName: str,
    sourceDate: str,
    sourceAuthor: str,
    status: z.enum(['pending', 'accepted', 'rejected']),
    receivedAt: str,
    decidedAt: str,
    decidedBy: str,
    decidedById: str,
    rejectReason: str
  },
  reminderDismissals: { reminderId: str, reason: str, dismissedAt: str, dismissedBy: str, dismissedById: str, until: str, withdrawnAt: str, withdrawnBy: str }
};

const SCHEDULE_SHAPES: Record<string, Shape> = {
  appointments: { providerId: str, patientId: str, typeId: str, start: str, end: str, mode: str, statusAt: str, statusBy: str, cancelReason: str }
};

const TEMPLATE_SHAPES: Record<string, Shape> = {
  templates: {
    name: str,
    visitType: str,
    subjective: str,
    objective: str,
    assessment: str,
    plan: str,
    status: z.enum(TEMPLATE_STATUSES),
    createdById: str,
    updatedById: str
  }
};

const TASK_SHAPES: Record<string, Shape> = {
  tasks: { description: str, patientId: str, ownerKind: z.enum(['user', 'role']), ownerId: str, ownerName: str, ownerRole: str, dueDate: str, category: str, focusKind: str, focusRef: str, focusLabel: str, statusReason: str, completedById: str, updatedById: str }
};

const REGISTRY_SHAPES: Record<string, Shape> = {
  registries: { name: str, description: str, rules: list, filters: list, keyResult: str, createdById: str, updatedById: str }
};

/** Whole-value schemas of the schedule's keyed values (schedule-doc.ts writes them parsed by these). */
const VALUE_SCHEMAS: Record<string, z.ZodType> = { availability: availabilitySchema, appointmentTypes: appointmentTypeSchema, providers: providerSchema };

const EDIT_PREFIX = 'edit:';

export function fieldTypesRule(input: RuleInput): RuleOutput {
  const { change, doc } = input;
  const out: Violation[] = [];
  const refuse = (path: string[], message: string) => out.push({ rule: 'structure.field-type', action: 'refuse', at: locate(change.root, change.key, path), message });
  const valueSchema = doc.kind === 'schedule' ? VALUE_SCHEMAS[change.root] : undefined;
  if (valueSchema) {
    if (change.after && !valueSchema.safeParse(plain(change.after)).success) refuse([], 'Not a valid schedule setting');
    return { violations: out };
  }
  const shape = (doc.kind === 'chart' || doc.kind === 'restricted' ? CHART_SHAPES : doc.kind === 'schedule' ? SCHEDULE_SHAPES : doc.kind === 'templates' ? TEMPLATE_SHAPES : doc.kind === 'tasks' ? TASK_SHAPES : doc.kind === 'registries' ? REGISTRY_SHAPES : {})[change.root];
  if (!shape) return {};
  for (const d of diffNodes(change.before, change.after)) {
    if (!d.after) continue;
    // A new entry: each of its fields; an existing one: the changed top-level field.
    const fields: [string, unknown][] = d.path.length === 0 ? Object.entries((plain(d.after) as Record<string, unknown>) ?? {}) : d.path.length === 1 ? [[d.path[0], plain(d.after)]] : [];
    for (const [field, value] of fields) {
      if (field === 'note' && change.root === 'encounters') continue; // the note rule judges the note
      if (field.startsWith(EDIT_PREFIX)) {
        if (!fieldEdit.safeParse(value).success) refuse([field], 'A field edit record is malformed');
        continue;
      }
      const schema = shape[field] ?? COMMON[field];
      if (schema && !schema.safeParse(value).success) refuse([field], `The field ${field} does not hold the kind of value the record keeps`);
    }
  }
  return { violations: out };
}
