import { m } from '$lib/paraglide/messages';
import type { Registry } from '$lib/domain/registries/registry-definition';
import { COMPARATOR_SIGN, type RegistryRule, type SimpleRule } from '$lib/domain/registries/registry-rules';
import { numberText } from '$lib/i18n/clinic-format';

/**
 * Words of the registry screens that stand for a registry or a rule, in the
 * app's language. A built-in registry is named by the app; a clinic's own is
 * shown as its clinicians wrote it.
 */

type Text = () => string;
const BUILT_IN: Record<string, { name: Text; description: Text; filters?: Record<string, Text> }> = {
  diabetes: {
    name: m.registries_builtin_diabetes_name,
    description: m.registries_builtin_diabetes_description,
    filters: { 'hba1c-over-9': m.registries_builtin_diabetes_filter_hba1c_over_9, 'hba1c-stale': m.registries_builtin_diabetes_filter_hba1c_stale }
  },
  hypertension: {
    name: m.registries_builtin_hypertension_name,
    description: m.registries_builtin_hypertension_description,
    filters: { 'systolic-140': m.registries_builtin_hypertension_filter_systolic_140, 'bp-stale': m.registries_builtin_hypertension_filter_bp_stale }
  },
  pregnancy: { name: m.registries_builtin_pregnancy_name, description: m.registries_builtin_pregnancy_description, filters: { 'visit-stale': m.registries_builtin_pregnancy_filter_visit_stale } },
  'child-vaccines': { name: m.registries_builtin_child_vaccines_name, description: m.registries_builtin_child_vaccines_description },
  'follow-up': { name: m.registries_builtin_follow_up_name, description: m.registries_builtin_follow_up_description }
};

export function registryName(r: Pick<Registry, 'id' | 'name' | 'builtIn'>): string {
  return r.builtIn ? (BUILT_IN[r.id]?.name() ?? r.name) : r.name;
}

export function registryDescription(r: Pick<Registry, 'id' | 'description' | 'builtIn' | 'rules'>): string {
  if (r.builtIn) return BUILT_IN[r.id]?.description() ?? r.description;
  return r.description || m.registries_rules_text({ rules: r.rules.map(ruleText).join('; ') });
}

export function filterLabel(r: Pick<Registry, 'id' | 'builtIn'>, f: { id: string; label: string }): string {
  return r.builtIn ? (BUILT_IN[r.id]?.filters?.[f.id]?.() ?? f.label) : f.label;
}

function simpleText(rule: SimpleRule): string {
  switch (rule.kind) {
    case 'condition':
      return m.registries_rule_condition({ codes: rule.icd10Prefixes.join(', ') });
    case 'result':
      if (rule.missing) return m.registries_rule_result_missing({ loinc: rule.loinc });
      if (rule.olderThanMonths !== undefined) return m.registries_rule_result_older({ loinc: rule.loinc, months: numberText(rule.olderThanMonths) });
      return m.registries_rule_result_compare({ loinc: rule.loinc, sign: COMPARATOR_SIGN[rule.comparator!], value: numberText(rule.value!), unit: rule.unit ?? '' }).trim();
    case 'medication':
      return m.registries_rule_medication({ what: [...rule.rxnorm, ...(rule.drugClass ? [rule.drugClass] : [])].join(', ') });
    case 'age':
      return m.registries_rule_age({ min: rule.minYears === undefined ? '0' : numberText(rule.minYears), max: rule.maxYears === undefined ? '…' : numberText(rule.maxYears) });
    case 'sex':
      return m.registries_rule_sex({ sex: rule.sex === 'female' ? m.registries_sex_female() : m.registries_sex_male() });
    case 'pregnant':
      return m.registries_rule_pregnant();
    case 'last-visit-older':
      return m.registries_rule_last_visit({ months: numberText(rule.months) });
    case 'immunization-due':
      return m.registries_rule_immunization();
  }
}

export function ruleText(rule: RegistryRule): string {
  return rule.kind === 'any' ? m.registries_rule_any({ rules: rule.rules.map(simpleText).join(' / ') }) : simpleText(rule);
}
