/**
 * Loads and validates the drug knowledge pack. The browser and the server use
 * the same bundled JSON, so checks agree offline and online. Schema checks run
 * with zod; cross-references (every class, ingredient and source a rule names
 * exists) are checked here because a dangling reference would silently check
 * less.
 */
import packJson from '../../../../knowledge/drug-pack/drug-pack.json' with { type: 'json' };
import { drugPackSchema, type DrugPack } from './pack-schema';

export class DrugPackError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid drug knowledge pack: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`);
    this.name = 'DrugPackError';
  }
}

export function parseDrugPack(json: unknown): DrugPack {
  const parsed = drugPackSchema.safeParse(json);
  if (!parsed.success) throw new DrugPackError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  const pack = parsed.data;
  const problems: string[] = [];
  const classes = new Set(pack.classes.map((c) => c.id));
  const drugs = new Set(pack.drugs.map((d) => d.id));
  const sources = new Set(pack.sources.map((s) => s.id));
  const checkSide = (where: string, side: { classes: string[]; ingredients: string[] }) => {
    for (const c of side.classes) if (!classes.has(c)) problems.push(`${where}: unknown class ${c}`);
    for (const i of side.ingredients) if (!drugs.has(i)) problems.push(`${where}: unknown ingredient ${i}`);
  };
  for (const c of pack.classes) if (c.parent && !classes.has(c.parent)) problems.push(`class ${c.id}: unknown parent ${c.parent}`);
  for (const d of pack.drugs) {
    checkSide(`drug ${d.id}`, { classes: d.classes, ingredients: [] });
    for (const r of d.pediatricDoses ?? []) if (!sources.has(r.sourceId)) problems.push(`drug ${d.id}: pediatric dose: unknown source ${r.sourceId}`);
  }
  for (const c of pack.combinations) checkSide(`combination ${c.id}`, { classes: [], ingredients: c.ingredients });
  for (const [code, p] of Object.entries(pack.products)) checkSide(`product ${code}`, { classes: [], ingredients: p.ingredients });
  for (const r of pack.interactions) {
    checkSide(`rule ${r.id}.a`, r.a);
    checkSide(`rule ${r.id}.b`, r.b);
    if (!sources.has(r.sourceId)) problems.push(`rule ${r.id}: unknown source ${r.sourceId}`);
    if (r.tier === 'non-interruptive' && [r.severity, ...r.overrides.map((o) => o.severity)].some((x) => x !== 'minor' && x !== 'info'))
      problems.push(`rule ${r.id}: a non-interruptive rule may only be graded minor or info`);
  }
  for (const r of pack.allergyRules) {
    checkSide(`allergy rule ${r.id}`, r.allergen);
    r.targets.forEach((t, i) => checkSide(`allergy rule ${r.id}.targets[${i}]`, t));
    if (!sources.has(r.sourceId)) problems.push(`allergy rule ${r.id}: unknown source ${r.sourceId}`);
  }
  if (problems.length) throw new DrugPackError(problems);
  return pack;
}

let bundled: DrugPack | undefined;

/** The pack shipped with this build of Outpost, validated once. */
export function bundledDrugPack(): DrugPack {
  bundled ??= parseDrugPack(packJson);
  return bundled;
}
