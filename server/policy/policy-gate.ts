import * as Y from 'yjs';
import type { Role } from '../../src/lib/domain/roles';
import type { DocIdentity } from '../store/doc-store';
import { applyCorrections } from './corrections';
import { recordRoots } from './policy-table';
import type { Author, DocContext, DocState, EntryChange, Verdict } from './policy-types';
import { refused } from './policy-types';
import { evaluate, type ChangeSet } from './write-policy';
import { entryNode, touchedBy, visibleBefore, visibleNow } from './yjs-view';

/**
 * Where the write policy meets Yjs. Each written document keeps a shadow
 * copy: the live document plus every update admitted but not yet stored
 * and applied (the group commit applies them a moment later). An incoming
 * update is applied to the shadow first; the entries it touched are read
 * before and after, and the policy judges them. Only an admitted update (and
 * the correction the policy asked for, built on the shadow so it encodes as
 * an ordinary update) goes on to be stored and broadcast; a refused one
 * leaves the live document untouched and the shadow is rebuilt.
 *
 * An update whose dependencies the server lacks would sit in the shadow
 * unapplied and judged later under another author's name, so it is not
 * admitted: the connection is asked to send what is missing first.
 */

/** Origin of corrections written by the policy on the shadow. */
export const CORRECTION_ORIGIN = Symbol('outpost-policy-correction');

/** What the gate needs of a live document. */
export interface Gated {
  readonly identity: DocIdentity;
  readonly doc: Y.Doc;
  /** The shadow (null until first needed, or after a refusal). */
  shadow: Y.Doc | null;
  /** Rows admitted through the shadow and not yet applied to `doc`, in order. */
  readonly unapplied: Uint8Array[];
}

export type Admission =
  | { kind: 'accepted'; verdict: Verdict; correction: Uint8Array | null }
  | { kind: 'refused'; verdict: Verdict }
  | { kind: 'incomplete' };

interface Analysis {
  changes: ChangeSet;
}

/** Facts the server holds outside the document that some rules read. */
export interface GateFacts {
  /** A patient's birth date from the server's patient list, or null. */
  birthDate(clinicId: string, patientId: string): string | null;
  /** A staff account of the clinic (not a patient's), or null. */
  staff?(clinicId: string, userId: string): { name: string; roles: readonly Role[] } | null;
}

const NO_FACTS: GateFacts = { birthDate: () => null };

export class PolicyGate {
  constructor(
    private readonly now: () => Date = () => new Date(),
    private readonly facts: GateFacts = NO_FACTS
  ) {}

  /**
   * Judges one update for a live document. Trusted server writers (the demo
   * seed, corrections) pass unjudged; an import is judged like a client,
   * and a replicated update by every rule that holds whoever the author is.
   */
  admit(live: Gated, bytes: Uint8Array, author: Author): Admission {
    if (author.kind === 'server' && (author.origin === 'seed' || author.origin === 'system')) return this.passThrough(live, bytes);
    const shadow = this.shadowOf(live);
    const doc = contextOf(live.identity);
    let analysis: Analysis | null = null;
    let failure: unknown = null;
    const onAfter = (tr: Y.Transaction) => {
      // The update's own transaction; Yjs may follow it with a clean-up transaction of its own (text formatting).
      if (analysis || failure) return;
      try {
        analysis = analyse(shadow, tr, doc.kind);
      } catch (err) {
        failure = err;
      }
    };
    shadow.on('afterTransaction', onAfter);
    try {
      Y.applyUpdate(shadow, bytes);
    } catch (err) {
      failure = err;
    } finally {
      shadow.off('afterTransaction', onAfter);
    }
    if (shadow.store.pendingStructs !== null || shadow.store.pendingDs !== null) {
      this.invalidate(live);
      return { kind: 'incomplete' };
    }
    const now = this.now().toISOString();
    let verdict: Verdict;
    if (failure || !analysis) {
      verdict = { violations: [{ rule: 'policy.checker-error', action: 'refuse', at: live.identity.name.split(':')[0], message: 'The update could not be checked; it is refused' }], corrections: [], notes: [] };
    } else {
      try {
        const state: DocState = {
          doc: shadow,
          birthDate: () => (doc.patientId ? this.facts.birthDate(doc.clinicId, doc.patientId) : null),
          staff: (userId) => this.facts.staff?.(doc.clinicId, userId) ?? null
        };
        verdict = evaluate(doc, author, (analysis as Analysis).changes, now, state);
      } catch {
        verdict = { violations: [{ rule: 'policy.checker-error', action: 'refuse', at: doc.kind, message: 'The update could not be checked; it is refused' }], corrections: [], notes: [] };
      }
    }
    if (refused(verdict)) {
      this.invalidate(live);
      return { kind: 'refused', verdict };
    }
    let correction: Uint8Array | null = null;
    if (verdict.corrections.length > 0) {
      const capture = (u: Uint8Array) => {
        correction = correction ? Y.mergeUpdates([correction, u]) : u;
      };
      shadow.on('update', capture);
      try {
        applyCorrections(shadow, verdict.corrections, CORRECTION_ORIGIN);
      } finally {
        shadow.off('update', capture);
      }
    }
    live.unapplied.push(bytes);
    if (correction) live.unapplied.push(correction);
    return { kind: 'accepted', verdict, correction };
  }

  /** Keeps the shadow in step with a trusted write. */
  private passThrough(live: Gated, bytes: Uint8Array): Admission {
    if (live.shadow) {
      try {
        Y.applyUpdate(live.shadow, bytes);
      } catch {
        this.invalidate(live);
      }
    }
    live.unapplied.push(bytes);
    return { kind: 'accepted', verdict: { violations: [], corrections: [], notes: [] }, correction: null };
  }

  /** Called once rows reached the live document, in admission order. */
  applied(live: Gated, count: number): void {
    live.unapplied.splice(0, count);
  }

  /**
   * Forgets admitted rows that were never stored (their transaction failed)
   * and the shadow that held them.
   */
  dropUnapplied(live: Gated, rows: readonly Uint8Array[]): void {
    for (const r of rows) {
      const i = live.unapplied.indexOf(r);
      if (i >= 0) live.unapplied.splice(i, 1);
    }
    this.invalidate(live);
  }

  invalidate(live: Gated): void {
    live.shadow?.destroy();
    live.shadow = null;
  }

  /** The shadow's state vector: what the server holds or has admitted. */
  stateVector(live: Gated): Uint8Array {
    if (!live.shadow && live.unapplied.length === 0) return Y.encodeStateVector(live.doc);
    return Y.encodeStateVector(this.shadowOf(live));
  }

  private shadowOf(live: Gated): Y.Doc {
    if (live.shadow) return live.shadow;
    // The live document's guid: a new one would cost 31 calls to the system's random source (lib0's uuidv4).
    const shadow = new Y.Doc({ guid: live.doc.guid });
    Y.applyUpdate(shadow, Y.encodeStateAsUpdate(live.doc));
    for (const row of live.unapplied) Y.applyUpdate(shadow, row);
    // Corrections are written under the shadow's client id: never one a device uses.
    while (shadow.store.clients.has(shadow.clientID)) shadow.clientID = Math.floor(Math.random() * 0xffffffff);
    live.shadow = shadow;
    return shadow;
  }
}

export function contextOf(identity: DocIdentity): DocContext {
  return { name: identity.name, kind: identity.kind, patientId: identity.patientId, clinicId: identity.clinicId };
}

function analyse(doc: Y.Doc, tr: Y.Transaction, kind: DocContext['kind']): Analysis {
  const touched = touchedBy(tr, recordRoots(kind));
  const before = visibleBefore(tr);
  const entries: EntryChange[] = touched.entries.map((e) => ({
    root: e.root,
    key: e.key,
    before: entryNode(doc, e, before),
    after: entryNode(doc, e, visibleNow)
  }));
  return { changes: { roots: touched.roots, listRoots: touched.listRoots, entries } };
}
