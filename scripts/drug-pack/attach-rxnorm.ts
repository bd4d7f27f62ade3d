/**
 * Attaches RxNorm ingredient (TTY=IN) codes to the pack's ingredients, by
 * name, from the committed RxNorm extracts (see extract-rxnorm.ts). Pure; the
 * build calls it from assemble-pack.ts.
 */
import type { DrugPack } from '../../src/lib/domain/drugs/pack-schema';
import { RXCUI_EXCEPTIONS, RXNORM_ALIASES, type RxNormAlias } from './curated/rxnorm';
import type { PrescribeIngredients, RxTermsIngredients } from './extract-rxnorm';
import type { PddiSources } from './extract-sources';

type RxcuiSource = DrugPack['drugs'][number]['rxcuiSource'];

/**
 * Gives every ingredient its RxNorm ingredient (TTY=IN) RXCUI, by name:
 * 1. RxNorm Current Prescribable Content (IN rows), through RXNORM_ALIASES
 *    where RxNorm names the ingredient differently;
 * 2. for the letter that extract lacks, NLM RxTerms ingredient codes;
 * 3. a PDDI-CDS value-set concept whose display is exactly the ingredient's
 *    name (corticosteroids no longer marketed in the US).
 * Codes already set from CPIC or the PDDI-CDS ingredient value sets are
 * checked against 1 and 2; any disagreement fails the build, except where
 * the older code is the RxNorm precise-ingredient (PIN) code of a `salt`
 * alias: the IN code replaces it and the PIN code is returned, to be kept as
 * a product code. An ingredient left without a code that the exceptions do
 * not list fails the build too, as does an exception that has gained one.
 */
export function attachRxNormCodes(
  drugs: { name: string; rxcui: string | null; rxcuiSource: RxcuiSource }[],
  rxnorm: { prescribe: PrescribeIngredients; rxterms: RxTermsIngredients },
  pddi: PddiSources,
  { aliases, exceptions }: { aliases: Record<string, RxNormAlias>; exceptions: Record<string, string> } = { aliases: RXNORM_ALIASES, exceptions: RXCUI_EXCEPTIONS }
): [string, string][] {
  const key = (n: string) => n.toLowerCase().replace(/\s+/g, ' ').trim();
  const prescribe = new Map<string, { rxcui: string; precise: string[] }>();
  for (const [rxcui, name, precise] of rxnorm.prescribe.ingredients) {
    if (prescribe.has(key(name))) throw new Error(`RxNorm extract: ingredient name "${name}" appears twice`);
    prescribe.set(key(name), { rxcui, precise: precise.map(key) });
  }
  const pinCode = new Map<string, string>();
  for (const [rxcui, name] of rxnorm.prescribe.preciseIngredients) pinCode.set(key(name), rxcui);
  const rxterms = new Map<string, string>();
  for (const [rxcui, name] of rxnorm.rxterms.ingredients) rxterms.set(key(name), rxcui);
  const pddiDisplay = new Map<string, Set<string>>();
  for (const vs of Object.values(pddi.valueSets))
    for (const [code, display] of vs.concepts) {
      if (!pddiDisplay.has(key(display))) pddiDisplay.set(key(display), new Set());
      pddiDisplay.get(key(display))!.add(code);
    }
  for (const alias of Object.keys(aliases)) if (!drugs.some((d) => d.name === alias)) throw new Error(`RxNorm alias for unknown drug ${alias}`);
  for (const name of Object.keys(exceptions)) if (!drugs.some((d) => d.name === name)) throw new Error(`RxCUI exception for unknown drug ${name}`);

  const problems: string[] = [];
  const saltCodes: [string, string][] = [];
  for (const d of drugs) {
    const alias = aliases[d.name];
    const lookup = key(alias?.rxnormName ?? d.name);
    const fromPrescribe = prescribe.get(lookup);
    if (alias && !fromPrescribe && !rxterms.has(lookup)) problems.push(`${d.name}: RxNorm name "${alias.rxnormName}" is in no RxNorm source`);
    if (alias?.kind === 'salt' && fromPrescribe && !fromPrescribe.precise.includes(key(d.name)))
      problems.push(`${d.name}: not a precise ingredient of RxNorm ${alias.rxnormName} in the source`);
    const found: [string, RxcuiSource] | undefined = fromPrescribe
      ? [fromPrescribe.rxcui, 'rxnorm-prescribe']
      : rxterms.has(lookup)
        ? [rxterms.get(lookup)!, 'nlm-rxterms']
        : undefined;
    if (d.rxcui && found && found[0] !== d.rxcui && alias?.kind === 'salt' && pinCode.get(key(d.name)) === d.rxcui) {
      // The older source gave the precise ingredient's code: keep it resolvable as a product, take the IN code.
      saltCodes.push([d.rxcui, d.name]);
      [d.rxcui, d.rxcuiSource] = found;
    } else if (d.rxcui) {
      if (found && found[0] !== d.rxcui) problems.push(`${d.name}: RxCUI ${d.rxcui} (${d.rxcuiSource}) disagrees with ${found[0]} (${found[1]})`);
    } else if (found) {
      [d.rxcui, d.rxcuiSource] = found;
    } else {
      const codes = [...(pddiDisplay.get(key(d.name)) ?? [])];
      if (codes.length > 1) problems.push(`${d.name}: PDDI-CDS value sets give several codes ${codes.join(', ')}`);
      else if (codes.length === 1) [d.rxcui, d.rxcuiSource] = [codes[0], 'hl7-pddi-cds'];
    }
    const excepted = d.name in exceptions;
    if (d.rxcui && excepted) problems.push(`${d.name}: has RxCUI ${d.rxcui}; remove it from RXCUI_EXCEPTIONS`);
    if (!d.rxcui && !excepted) problems.push(`${d.name}: no RxNorm ingredient code found; add an alias or a reasoned exception (scripts/drug-pack/curated/rxnorm.ts)`);
  }
  if (problems.length) throw new Error(`RxNorm codes:\n  ${problems.join('\n  ')}`);
  return saltCodes;
}
