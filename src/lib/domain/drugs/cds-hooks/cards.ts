/**
 * Alert -> CDS Hooks card (CDS Hooks 2.0: summary under 140 characters,
 * indicator info | warning | critical, source with label and url, markdown
 * detail). Contraindicated and serious findings carry override reasons so a
 * clinician who proceeds records why.
 */
import type { Alert } from '../alert';
import type { DrugPack, Severity } from '../pack-schema';

export interface Card {
  uuid: string;
  summary: string;
  indicator: 'info' | 'warning' | 'critical';
  detail: string;
  source: { label: string; url?: string };
  overrideReasons?: { code: string; system: string; display: string }[];
}

export const OVERRIDE_REASON_SYSTEM = 'urn:outpost:cds:override-reason';

const OVERRIDE_REASONS = [
  { code: 'benefit-outweighs-risk', display: 'Benefit outweighs risk' },
  { code: 'will-monitor', display: 'Will monitor the patient closely' },
  { code: 'already-tolerated', display: 'Patient has tolerated this combination before' },
  { code: 'allergy-record-inaccurate', display: 'Allergy record is inaccurate' }
].map((r) => ({ ...r, system: OVERRIDE_REASON_SYSTEM }));

const INDICATOR: Record<Severity, Card['indicator']> = { contraindicated: 'critical', serious: 'critical', moderate: 'warning', minor: 'info', info: 'info' };
const SEVERITY_LABEL: Record<Severity, string> = { contraindicated: 'Contraindicated', serious: 'Serious', moderate: 'Moderate', minor: 'Minor', info: 'Info' };

export function truncate(text: string, max = 140): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}\u2026`;
}

export function alertToCard(alert: Alert, pack: DrugPack): Card {
  const indicator = alert.ruleId === 'not-checked-order' ? 'warning' : INDICATOR[alert.severity];
  const lines = [
    `**${SEVERITY_LABEL[alert.severity]}** (${alert.kind})`,
    '',
    alert.detail,
    ...(alert.mechanism ? ['', `**Mechanism:** ${alert.mechanism}`] : []),
    '',
    `**Recommended action:** ${alert.action}`,
    ...(alert.factors?.length ? ['', '**Patient factors:**', ...alert.factors.map((f) => `- ${f.present ? '[x]' : '[ ]'} ${f.label}${f.detail ? ` — ${f.detail}` : ''}`)] : []),
    '',
    `Source: ${alert.source.citation}`,
    '',
    `_Outpost drug knowledge pack ${pack.version}. Not a comprehensive interaction database._`
  ];
  return {
    uuid: stableUuid(`${alert.ruleId}|${alert.involved.map((i) => i.name).join('|')}`),
    summary: truncate(alert.title),
    indicator,
    detail: lines.join('\n'),
    source: { label: truncate(sourceLabel(alert), 140), ...(alert.source.url ? { url: alert.source.url } : {}) },
    ...(alert.severity === 'contraindicated' || alert.severity === 'serious' ? { overrideReasons: OVERRIDE_REASONS } : {})
  };
}

export function allergiesUnknownCard(pack: DrugPack): Card {
  return {
    uuid: stableUuid('not-checked-allergy-list'),
    summary: 'Allergies not checked: no allergy list was provided with the request',
    indicator: 'info',
    detail: 'The request carried no AllergyIntolerance resources, so drug–allergy checks were not done.',
    source: { label: `Outpost drug knowledge pack ${pack.version}` }
  };
}

/** A draft order no drug check could be run on (fhir-input.ts `isUncheckedDraft`): shown as not checked, never passed over in silence. */
export function draftNotCheckedCard(index: number, resourceType: string | undefined, pack: DrugPack): Card {
  const what = resourceType ? `a ${resourceType}` : 'not a FHIR resource';
  return {
    uuid: stableUuid(`not-checked-draft:${index}:${resourceType ?? ''}`),
    summary: `Draft order ${index + 1} not checked: it could not be read as a medication request`,
    indicator: 'warning',
    detail: `Draft order ${index + 1} is ${what} that this service cannot read as a medication request, so no drug–drug, drug–allergy, duplicate-therapy or dose checks were done for it.`,
    source: { label: `Outpost drug knowledge pack ${pack.version}` }
  };
}

function sourceLabel(alert: Alert): string {
  const c = alert.source.citation;
  if (alert.ruleId.startsWith('onc-')) return 'ONC high-priority DDI list (Phansalkar et al., JAMIA 2012)';
  if (alert.ruleId.startsWith('pddi-')) return 'HL7 PDDI-CDS Implementation Guide';
  return c.split(/(?<=\.)\s/)[0];
}

/** Deterministic RFC 4122-shaped id from a string (FNV-1a), so equal findings get equal card ids. */
function stableUuid(text: string): string {
  let hex = '';
  // Stryker disable next-line EqualityOperator: a fifth round only lengthens hex past the 32 characters that are read
  for (let seed = 0; hex.length < 32; seed++) {
    let h = 0x811c9dc5 ^ seed;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
    hex += (h >>> 0).toString(16).padStart(8, '0');
  }
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16], 16) & 3) | 8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
