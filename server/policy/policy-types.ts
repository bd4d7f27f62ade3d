import type { DocKind } from '../../src/lib/domain/doc-names';
import type { Role } from '../../src/lib/domain/roles';
import type { AuditEvent } from '../types';
import type * as Y from 'yjs';
import type { PolicyNode } from './yjs-view';

/**
 * The vocabulary of the server's write policy: who writes, what changed,
 * and what the policy decided. Pure data, so the rules are plain functions
 * that tests can call with hand-written before/after entries.
 */

/** Who sent an update, as the server knows it (never as the update claims). */
export type Author =
  | {
      kind: 'user';
      userId: string;
      /** The display name provenance fields must carry. */
      name: string;
      roles: readonly Role[];
      via: 'websocket' | 'batch';
    }
  | {
      kind: 'server';
      userId: string;
      name: string;
      roles: readonly Role[];
      /**
       * Which part of the server writes: an import is checked like a client,
       * a seed and corrections are trusted writers, and `replica` is what a
       * clinic box (or the hub, on a box) replicated: judged by every rule
       * that holds whoever the author is (see isReplica).
       */
      origin: 'import' | 'seed' | 'system' | 'replica';
    };

/**
 * A replicated update (server/replication/): many users' changes merged,
 * sent by a clinic box whose key could be stolen. It is never trusted like
 * the server's own writes: the rules that hold for every author (shape, no
 * deletion, money append-only, signed notes frozen, server-only entries)
 * judge it, and every user id it writes must name a staff member of the
 * document's clinic (DocState.staff). The authoring user's own role is not
 * known from a merged diff, so rules about the writer's role are judged
 * where a role can be named from the record (a note's signer).
 */
export function isReplica(author: Author): boolean {
  return author.kind === 'server' && author.origin === 'replica';
}

/** The document an update is for. */
export interface DocContext {
  name: string;
  kind: DocKind;
  /** The patient a `patient:`/`chart:` document is about; '' for a schedule. */
  patientId: string;
  clinicId: string;
}

/** One top-level entry as it was before the update and as it would be after it. */
export interface EntryChange {
  root: string;
  /** Key in the root map; null when the root itself is the entry (`meta`, `patient`). */
  key: string | null;
  before: PolicyNode | null;
  after: PolicyNode | null;
}

/** Something the server writes to restore an invariant: a field of an entry (nested maps by path) set or removed. */
export interface Correction {
  root: string;
  key: string | null;
  /** Map keys from the entry down to the field; the last one is the field. */
  path: string[];
  /** `undefined` removes the field. */
  value: unknown;
}

export type RuleAction = 'refuse' | 'correct';

/** A broken invariant, named by its rule id (stable: audited and tested). */
export interface Violation {
  rule: string;
  action: RuleAction;
  /** Where, without patient data: root, entry id, field. */
  at: string;
  /** Why, in words an administrator reads in the audit report; never patient data. */
  message: string;
}

/** What the policy decided about one update. */
export interface Verdict {
  /** Broken invariants; any with action `refuse` refuses the whole update. */
  violations: Violation[];
  /** Server writes that put corrected invariants back, written with the update. */
  corrections: Correction[];
  /** Audit entries the update gives rise to (a prescription signed, an override), recorded with it. */
  notes: AuditEvent[];
}

export function refused(v: Verdict): boolean {
  return v.violations.some((x) => x.action === 'refuse');
}

/**
 * The whole document as it stands with the update applied, for the few
 * rules that judge an entry against the rest of the record (the drug checks
 * run again on a signed prescription). The gate gives it on every path;
 * a rule reads it only, and only when it needs it.
 */
export interface DocState {
  /** The document with the update applied (the gate's shadow). Read only: a rule writes through corrections. */
  readonly doc: Y.Doc;
  /** The patient's birth date as the server's patient list holds it, or null. */
  birthDate(): string | null;
  /** A staff account of the document's clinic, as this server knows it now (roles empty when disabled), or null. */
  staff?(userId: string): { name: string; roles: readonly Role[] } | null;
}

/** Everything a rule sees of one entry change. */
export interface RuleInput {
  doc: DocContext;
  author: Author;
  change: EntryChange;
  /** Server time of the write, ISO. */
  now: string;
  /** The document after the update; absent where a caller judges hand-written entries alone (unit tests). */
  state?: DocState;
}

/** What a rule adds to the verdict. */
export interface RuleOutput {
  violations?: Violation[];
  corrections?: Correction[];
  notes?: AuditEvent[];
}

export type Rule = (input: RuleInput) => RuleOutput | void;
