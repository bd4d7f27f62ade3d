/**
 * Infers the route of administration from an RxNorm dose form or free text
 * ("Diclofenac Sodium 10 MG/ML Topical Cream", "PO", "Metered Dose Inhaler").
 * Order matters: specific non-oral forms are tested before the generic oral
 * words, because "Oral Inhaler" and "Topical Solution" contain both.
 */
import type { Route } from './pack-schema';

const PATTERNS: [RegExp, Route][] = [
  [/\bophthalmic\b|\beye drops?\b|\bintraocular\b/, 'ophthalmic'],
  [/\botic\b|\bear drops?\b/, 'otic'],
  [/\bnasal\b|\bintranasal\b/, 'nasal'],
  [/\binhal|\bmetered dose\b|\bdry powder\b|\bnebuli[sz]|\bactuat\b|\brespiratory\b/, 'inhalation'],
  [/\btransdermal\b|\bpatch\b/, 'transdermal'],
  [/\bvaginal\b|\bvaginal ring\b/, 'vaginal'],
  [/\brectal\b|\bsuppositor|\benema\b/, 'rectal'],
  [/\bintrauterine\b/, 'intrauterine'],
  [/\bimplant\b/, 'implant'],
  [/\btopical\b|\bcream\b|\bointment\b|\blotion\b|\bfoam\b|\bshampoo\b|\bcutaneous\b|\bmedicated pad\b|\bgel\b(?! ?cap)/, 'topical'],
  [/\bsublingual\b|\bsl\b/, 'sublingual'],
  [/\bbuccal\b|\blozenge\b|\bchewing gum\b|\btroche\b/, 'buccal'],
  [/\bintravenous\b|\biv\b/, 'iv'],
  [/\bintramuscular\b|\bim\b/, 'im'],
  [/\bsubcutaneous\b|\bsubq\b|\bsc\b|\bsq\b/, 'sc'],
  [/\binject|\bprefilled syringe\b|\bauto ?injector\b|\bpen injector\b|\bcartridge\b|\bvial\b/, 'injection'],
  [/\boral\b|\btablet\b|\bcapsule\b|\bchewable\b|\bsyrup\b|\belixir\b|\bsuspension\b|\bpo\b|\bby mouth\b|\bcaplet\b|\bgranules\b/, 'oral']
];

export function routeFromText(text: string | undefined): Route | undefined {
  if (!text) return undefined;
  const t = text.toLowerCase().replace(/[^a-z0-9]+/g, ' ');
  for (const [re, route] of PATTERNS) if (re.test(t)) return route;
  return undefined;
}
