import type { PatientFacts } from '../registries/patient-facts';
import type { Registry } from '../registries/registry-definition';
import { evaluateAll } from '../registries/registry-rules';

/**
 * How many patients each registry holds today, for the clinic dashboard:
 * the same rules as the registry's worklist (registry-worklist.ts), counted
 * only. Patients the rules could not judge (a rule needs a fact the chart
 * lacks) are counted apart, so a small registry is not mistaken for a
 * complete one.
 */
export interface RegistrySize {
  registry: Pick<Registry, 'id' | 'name' | 'builtIn'>;
  members: number;
  notEvaluated: number;
}

export function registrySizes(registries: readonly Registry[], patients: readonly PatientFacts[], now: string): RegistrySize[] {
  return registries.map((r) => {
    let members = 0;
    let notEvaluated = 0;
    for (const p of patients) {
      const a = evaluateAll(r.rules, p, now);
      if (a.kind === 'yes') members++;
      else if (a.kind === 'unknown') notEvaluated++;
    }
    return { registry: { id: r.id, name: r.name, builtIn: r.builtIn }, members, notEvaluated };
  });
}
