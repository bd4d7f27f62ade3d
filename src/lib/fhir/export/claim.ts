import { balanceOf, isHcpcsLevelII, minorDigits, reversedIds, type LedgerEntry, type Superbill } from '../../domain/billing';
import { ICD10CM_SYSTEM } from '../../domain/icd10';

/**
 * A visit's bill as a FHIR R4 `Claim` (https://hl7.org/fhir/R4/claim.html):
 * the visit's ICD-10-CM diagnoses, one item per charge still standing
 * (reversed charges are left out), and the total. The patient pays
 * themselves, so the one required `insurance` names a contained self-pay
 * `Coverage` (CodeSystem coverage-selfpay, code `pay`). Pure: the app
 * builds it offline for the download.
 */

/** HCPCS Level II (CMS) as FHIR names it (terminology.hl7.org, NamingSystem HCPCS). */
export const HCPCS_SYSTEM = 'http://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets';
/** The clinic's own service codes. */
export const CLINIC_FEE_SYSTEM = 'urn:outpost:fee-schedule';

export type FhirClaim = Record<string, unknown> & { resourceType: 'Claim'; id: string };

/** Minor units as a FHIR decimal, built from its digits (no float division of money). */
export function fhirMoney(minor: number, currency: string): { value: number; currency: string } {
  const digits = minorDigits(currency);
  const s = String(minor).padStart(digits + 1, '0');
  const text = digits === 0 ? s : `${s.slice(0, -digits)}.${s.slice(-digits)}`;
  return { value: Number(text), currency };
}

/** `currency` null (none set, nothing charged): the claim has no total. */
export function toFhirClaim(bill: Superbill, ledger: readonly LedgerEntry[], ctx: { patientId: string; clinicName: string; currency: string | null }): FhirClaim {
  const undone = reversedIds(ledger);
  const charges = ledger.filter((e) => e.kind === 'charge' && e.superbillId === bill.id && !undone.has(e.id));
  const patient = { reference: `Patient/${ctx.patientId}` };
  const diagnosis = bill.diagnoses.map((d, i) => ({ sequence: i + 1, diagnosisCodeableConcept: { coding: [{ system: ICD10CM_SYSTEM, code: d.code, display: d.display }], text: d.display } }));
  return {
    resourceType: 'Claim',
    id: bill.id,
    contained: [
      {
        resourceType: 'Coverage',
        id: 'self-pay',
        status: 'active',
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/coverage-selfpay', code: 'pay', display: 'PAY' }] },
        beneficiary: patient,
        payor: [patient]
      }
    ],
    status: 'active',
    type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/claim-type', code: 'professional' }] },
    use: 'claim',
    patient,
    billablePeriod: { start: bill.visitDate, end: bill.visitDate },
    created: bill.createdAt,
    provider: { display: ctx.clinicName },
    priority: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/processpriority', code: 'normal' }] },
    insurance: [{ sequence: 1, focal: true, coverage: { reference: '#self-pay' } }],
    ...(diagnosis.length ? { diagnosis } : {}),
    item: charges.map((c, i) => ({
      sequence: i + 1,
      ...(diagnosis.length ? { diagnosisSequence: diagnosis.map((d) => d.sequence) } : {}),
      productOrService: { coding: [{ system: isHcpcsLevelII(c.serviceCode ?? '') ? HCPCS_SYSTEM : CLINIC_FEE_SYSTEM, code: c.serviceCode, display: c.serviceName }], text: c.serviceName },
      servicedDate: bill.visitDate,
      unitPrice: fhirMoney(c.amount, c.currency),
      net: fhirMoney(c.amount, c.currency)
    })),
    ...(ctx.currency ? { total: fhirMoney(balanceOf(ledger, bill.id).charged, ctx.currency) } : {})
  };
}

/** Claims of many bills as a FHIR `collection` Bundle (the download). */
export function claimsBundle(claims: readonly FhirClaim[], timestamp: string): Record<string, unknown> {
  return { resourceType: 'Bundle', type: 'collection', timestamp, entry: claims.map((c) => ({ fullUrl: `urn:uuid:${c.id}`, resource: c })) };
}
