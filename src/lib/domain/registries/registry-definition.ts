import { z } from 'zod';
import { LOINC_RE, registryRuleSchema } from './registry-rules';

/**
 * A registry: a named list of patients defined by rules of the one
 * vocabulary (registry-rules.ts), with the result worth a column of its own
 * and the worklist filters its users reach for. Built-in registries ship
 * with the app; a clinic's own are kept in its `registries:<clinicId>`
 * document (chart/registries-doc.ts) and checked by this same schema on
 * every device and by the server's write policy.
 */

export const REGISTRY_LIMITS = { name: 80, description: 300, rules: 12, filters: 8, filterLabel: 80 } as const;
export const REGISTRY_STATUSES = ['active', 'retired'] as const;
export type RegistryStatus = (typeof REGISTRY_STATUSES)[number];

export const registryFilterSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,40}$/),
  label: z.string().trim().min(1).max(REGISTRY_LIMITS.filterLabel),
  rule: registryRuleSchema
});
export type RegistryFilter = z.infer<typeof registryFilterSchema>;

export const registryDefinitionSchema = z.object({
  name: z.string().trim().min(1, 'Give the registry a name').max(REGISTRY_LIMITS.name, `At most ${REGISTRY_LIMITS.name} characters`),
  description: z.string().trim().max(REGISTRY_LIMITS.description).default(''),
  rules: z.array(registryRuleSchema).min(1, 'Add at least one rule').max(REGISTRY_LIMITS.rules),
  /** LOINC code of the result shown in its own column (HbA1c for diabetes). */
  keyResult: z.string().trim().regex(LOINC_RE, 'Use a LOINC code, e.g. 4548-4').optional(),
  filters: z.array(registryFilterSchema).max(REGISTRY_LIMITS.filters).default([])
});
export type RegistryDefinitionInput = z.input<typeof registryDefinitionSchema>;
export type RegistryDefinition = z.output<typeof registryDefinitionSchema>;

/** A registry as the worklist screens list it. */
export interface Registry extends RegistryDefinition {
  id: string;
  builtIn: boolean;
  status: RegistryStatus;
  /** Extra columns a built-in registry shows (the pregnancy registry's dates). */
  columns?: readonly 'pregnancy'[];
  updatedBy?: string;
  updatedAt?: string;
}
