import { CHART_COLLECTIONS } from '../../src/lib/domain/chart';
import { CLINICAL_COLLECTIONS } from '../../src/lib/domain/clinical';
import type { DocKind } from '../../src/lib/domain/doc-names';
import type { Rule, RuleInput, RuleOutput } from './policy-types';
import { labResultsRule, resultReviewRule } from './rules/lab-results';
import { notesRule } from './rules/notes';
import { ordersRule } from './rules/orders';
import { prescriptionChecksRule } from './rules/prescription-checks';
import { pharmacySendsRule, prescriptionsRule } from './rules/prescriptions';
import { provenanceRule } from './rules/provenance';
import { importRule, metaRule, patientRule } from './rules/records';
import { incomingRule } from './rules/incoming';
import { templateEntryRule, templatesRoleRule } from './rules/templates';
import { refillRequestRule } from './rules/refill-requests';
import { intakeDecisionRule, intakeResponseRule } from './rules/intake';
import { feeServiceRule, feeSettingsRule, feesRoleRule, ledgerRule, superbillRule } from './rules/billing';
import { registriesRoleRule, registryEntryRule, tasksRule } from './rules/tasks';
import { fieldTypesRule } from './rules/shapes';
import { messagesRule } from './rules/messages';
import { enteredInErrorRule, immutableRule, noDeleteRule, structureRule } from './rules/structure';
import { homeReadingRule } from './rules/home-readings';
import { scheduleMonthRule, scheduleSettingsRule } from './rules/schedule';

/**
 * The write policy's table of invariants: for each document kind, the
 * top-level shared types it may hold, how each is shaped, and the rules
 * every change to it must pass. A root not in the table is refused.
 *
 * Shapes:
 * - `collection`: a map of entries keyed by id, each entry a map of fields
 *   (allergies, visits, appointments…);
 * - `record`: the root map is itself one record (`meta`, `patient`);
 * - `values`: a map of plain JSON values keyed by id, last writer wins
 *   (the schedule's availability, appointment types and providers).
 *
 * Every root gets the common rules (structure, no deletion, immutable ids,
 * entered-in-error is final, provenance); `rules` adds the entry type's own.
 */

export interface RootPolicy {
  shape: 'collection' | 'record' | 'values';
  /** Fields of an entry an honest client removes (transient state); every other field, once written, stays. */
  clearable?: readonly string[];
  /** Fields beyond `id` and `resourceType` that never change once written. */
  immutable?: readonly string[];
  rules?: readonly Rule[];
}

const collection = (rules: readonly Rule[] = [], extra: Partial<RootPolicy> = {}): RootPolicy => ({ shape: 'collection', rules, ...extra });

const META: RootPolicy = { shape: 'record', rules: [metaRule] };

/** Pharmacy-send fields the outbox clears as a send moves on (pharmacy-send-doc.ts `updateSend`). */
const SEND_TRANSIENT = ['lastError', 'nextAttemptAt', 'permanent', 'pharmacyReference', 'deliveredAt', 'cancelReason'];

const CHART: Record<string, RootPolicy> = {
  meta: META,
  ...Object.fromEntries([...CHART_COLLECTIONS, ...CLINICAL_COLLECTIONS].map((c) => [c, collection([importRule], { immutable: ['sourceId', 'sourceSystem'] })])),
  encounters: collection([importRule, notesRule], { immutable: ['sourceId', 'sourceSystem'] }),
  medications: collection([importRule, prescriptionsRule, prescriptionChecksRule], { immutable: ['sourceId', 'sourceSystem'] }),
  observations: collection([importRule, labResultsRule, resultReviewRule, homeReadingRule], { immutable: ['sourceId', 'sourceSystem', 'reviewedAt', 'reviewedBy', 'reviewedById', 'reportedBy'] }),
  orders: collection([ordersRule]),
  pharmacySends: collection([pharmacySendsRule], { clearable: SEND_TRANSIENT, immutable: ['medicationId', 'pharmacyId', 'queuedAt', 'queuedBy', 'queuedById'] }),
  allergyStatements: collection([], { immutable: ['recordedAt', 'recordedBy', 'recordedById'] }),
  careTeam: collection(),
  reminderDismissals: collection([], { immutable: ['reminderId', 'dismissedAt', 'dismissedBy', 'dismissedById'] }),
  /** Transfers and referrals queued to be sent (transfer-outbox-doc.ts); the server checks the sender's role when it sends. */
  transfers: collection([], { clearable: ['lastError'], immutable: ['destinationId', 'destinationName', 'reason', 'noteIds', 'queuedAt', 'queuedBy', 'queuedById'] }),
  /** Records from a transfer awaiting reconciliation (incoming-doc.ts). */
  /** Pre-visit forms a patient sent (chart/intake-doc.ts): written by the server only. */
  intakeResponses: collection([intakeResponseRule]),
  /** What a clinician did with a form's statements: written once, never changed. */
  intakeDecisions: collection([intakeDecisionRule], { immutable: ['responseId', 'item', 'decision', 'targetId', 'decidedAt', 'decidedBy', 'decidedById'] }),
  incoming: collection([incomingRule], {
    immutable: ['collection', 'targetId', 'fields', 'display', 'sourceSystem', 'sourceName', 'sourceDate', 'sourceAuthor', 'receivedAt', 'decidedAt', 'decidedBy', 'decidedById', 'rejectReason']
  })
};

const PATIENT: Record<string, RootPolicy> = {
  meta: META,
  patient: { shape: 'record', rules: [patientRule] },
  demographicsReview: collection(),
  /** Refill requests taken by the desk or a nurse, closed by a prescriber (refill-request-doc.ts). */
  refillRequests: collection([refillRequestRule], { immutable: ['medicationText', 'via', 'note', 'requestedAt', 'requestedBy', 'requestedById', 'closedAt', 'closedBy', 'closedById', 'prescriptionId', 'declineReason', 'medicationId'] }),
  /** The patient's account (billing-doc.ts): bills per visit, and money entries that are only ever added. */
  superbills: collection([superbillRule], { immutable: ['encounterId', 'visitDate', 'createdAt', 'createdBy', 'createdById'] }),
  ledger: collection([ledgerRule])
};

const SCHEDULE: Record<string, RootPolicy> = {
  meta: META,
  appointments: collection([scheduleMonthRule], { immutable: ['patientId', 'createdAt', 'createdBy'] }),
  availability: { shape: 'values', rules: [scheduleSettingsRule] },
  appointmentTypes: { shape: 'values', rules: [scheduleSettingsRule] },
  providers: { shape: 'values', rules: [scheduleSettingsRule] }
};

/** A clinic's own visit templates (templates-doc.ts): written by its clinicians and administrators only. */
const TEMPLATES: Record<string, RootPolicy> = {
  meta: { shape: 'record', rules: [templatesRoleRule, metaRule] },
  templates: collection([templatesRoleRule, templateEntryRule], { immutable: ['createdAt', 'createdBy', 'createdById'] })
};

/** A clinic's fee schedule and currency (fees-doc.ts): written by its administrators only. */
const FEES: Record<string, RootPolicy> = {
  meta: { shape: 'record', rules: [feesRoleRule, metaRule] },
  settings: { shape: 'record', rules: [feesRoleRule, feeSettingsRule] },
  services: collection([feesRoleRule, feeServiceRule], { immutable: ['createdAt', 'createdBy', 'createdById'] })
};

/** A clinic's own registry definitions (registries-doc.ts): written by its clinicians and administrators only. */
const REGISTRIES: Record<string, RootPolicy> = {
  meta: { shape: 'record', rules: [registriesRoleRule, metaRule] },
  registries: collection([registriesRoleRule, registryEntryRule], { immutable: ['createdAt', 'createdBy', 'createdById'] })
};

/** A clinic's tasks (tasks-doc.ts): clinical staff and the front desk; a closed task stays closed. */
const TASKS: Record<string, RootPolicy> = {
  meta: { shape: 'record', rules: [tasksRule, metaRule] },
  tasks: collection([tasksRule], { immutable: ['patientId', 'focusKind', 'focusRef', 'createdAt', 'createdBy', 'createdById', 'completedAt', 'completedBy', 'completedById'] })
};

/** A patient's secure messages (messages-doc.ts): patients write through the portal (the server), staff add their own replies and receipts. */
const MESSAGES: Record<string, RootPolicy> = {
  meta: { shape: 'record', rules: [messagesRule, metaRule] },
  threads: collection([messagesRule], { immutable: ['topic', 'startedByKind', 'startedAt', 'startedBy', 'startedById'] }),
  messages: collection([messagesRule], { immutable: ['threadId', 'text', 'authorKind', 'sentAt', 'sentBy', 'sentById', 'sentByRelation', 'photoId', 'photoType', 'photoSize', 'patientReadAt'] })
};

export const POLICY_TABLE: Readonly<Record<DocKind, Readonly<Record<string, RootPolicy>>>> = {
  chart: CHART,
  /** The restricted part of a chart holds the same kinds of entries, under the same rules. */
  restricted: CHART,
  patient: PATIENT,
  schedule: SCHEDULE,
  templates: TEMPLATES,
  fees: FEES,
  registries: REGISTRIES,
  tasks: TASKS,
  messages: MESSAGES
};

/** Roots whose whole map is one record (the rest hold entries by key). */
export function recordRoots(kind: DocKind): Set<string> {
  return new Set(Object.entries(POLICY_TABLE[kind]).filter(([, p]) => p.shape === 'record').map(([r]) => r));
}

/** The common rules, in order; each sees the root's policy. */
export const COMMON_RULES: readonly ((input: RuleInput, policy: RootPolicy) => RuleOutput)[] = [
  structureRule,
  (input) => fieldTypesRule(input),
  noDeleteRule,
  immutableRule,
  (input) => enteredInErrorRule(input),
  (input) => provenanceRule(input)
];
