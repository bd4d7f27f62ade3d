/**
 * How pack ingredient names map onto RxNorm ingredient (TTY=IN) names where
 * the two differ, and the few ingredients left without an RxNorm code.
 *
 * The build matches a pack name to an RxNorm IN name case-insensitively. An
 * alias below replaces the pack name for that lookup:
 * - `salt`: RxNorm files the pack's name as a precise ingredient (PIN) under
 *   another IN; the build checks that the pack name is one of that IN's
 *   precise-ingredient names in the source and fails otherwise. A code an
 *   older source gave (the PIN's own RXCUI) is replaced by the IN code and
 *   kept as a product code, so records coded with it still resolve.
 * - `name`: RxNorm names the same ingredient differently (a qualifier such as
 *   ", human" or "(USP)", or the name of the marketed ester).
 */
export interface RxNormAlias {
  rxnormName: string;
  kind: 'salt' | 'name';
  reason: string;
}

export const RXNORM_ALIASES: Record<string, RxNormAlias> = {
  'isosorbide mononitrate': { rxnormName: 'isosorbide', kind: 'salt', reason: 'RxNorm files isosorbide mononitrate as the precise ingredient of IN isosorbide.' },
  ursodiol: { rxnormName: 'ursodeoxycholate', kind: 'salt', reason: 'RxNorm IN is ursodeoxycholate; ursodiol is its precise ingredient.' },
  'mefenamic acid': { rxnormName: 'mefenamate', kind: 'salt', reason: 'RxNorm IN is mefenamate; mefenamic acid is its precise ingredient.' },
  'valproic acid': { rxnormName: 'valproate', kind: 'salt', reason: 'RxNorm IN is valproate (valproic acid and divalproex sodium are its precise ingredients).' },
  'ethacrynic acid': { rxnormName: 'ethacrynate', kind: 'salt', reason: 'RxNorm IN is ethacrynate; ethacrynic acid is its precise ingredient.' },
  dabigatran: { rxnormName: 'dabigatran etexilate', kind: 'name', reason: 'RxNorm names the ingredient after the marketed prodrug ester.' },
  'insulin aspart': { rxnormName: 'insulin aspart, human', kind: 'name', reason: 'RxNorm adds ", human".' },
  'insulin regular': { rxnormName: 'insulin, regular, human', kind: 'name', reason: 'RxNorm name of regular human insulin.' },
  'conjugated estrogens': { rxnormName: 'estrogens, conjugated (USP)', kind: 'name', reason: 'RxNorm name of conjugated estrogens.' },
  senna: { rxnormName: 'sennosides, USP', kind: 'name', reason: 'RxNorm files senna laxatives under sennosides, USP.' },
  cyanocobalamin: { rxnormName: 'vitamin B12', kind: 'name', reason: 'RxNorm IN for cyanocobalamin products is vitamin B12.' }
};

/**
 * Ingredients with no RxNorm code in the pack, each with the reason. The
 * build fails if one of these gains a code (the entry is then stale) or if an
 * ingredient not listed here has none.
 */
export const RXCUI_EXCEPTIONS: Record<string, string> = {
  saquinavir: 'Not in the RxNorm Current Prescribable Content (2025-10-06) extract and in no other bundled source; kept for its protease-inhibitor interactions.',
  indinavir: 'Not in the RxNorm Current Prescribable Content (2025-10-06) extract and in no other bundled source; kept for its protease-inhibitor interactions.',
  "St. John's wort": 'Herbal supplement: no RxNorm ingredient in the prescribable content or the other bundled sources.'
};
