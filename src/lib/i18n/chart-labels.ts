import type { CARE_TEAM_ROLES } from '$lib/domain/care-team';
import type { OrderStatus } from '$lib/domain/orders';
import type { Population } from '$lib/domain/point-of-care';
import type { TimelineKind } from '$lib/domain/timeline';
import type { VitalKind, VitalReading } from '$lib/domain/vitals';
import { VITALS } from '$lib/domain/vitals';
import { m } from '$lib/paraglide/messages';
import { formatNumber } from '$lib/ui/format';

/**
 * The chart's coded values (a vital's kind, an order's status, a flag) as the
 * screens name them, in the app's language. The domain keeps its codes and
 * English labels for records and tests; these are only what is shown. A value
 * with no translation here (a laboratory's own interpretation text, a role
 * typed by hand) is shown as it was recorded.
 */
type Texts<K extends string> = Record<K, () => string>;
const lookup =
  <K extends string>(texts: Texts<K>) =>
  (key: string, fallback: string = key): string =>
    (texts as Record<string, (() => string) | undefined>)[key]?.() ?? fallback;

export const vitalLabel = lookup<VitalKind>({
  bloodPressure: m.chart_vital_blood_pressure,
  heartRate: m.chart_vital_pulse,
  respiratoryRate: m.chart_vital_respiratory_rate,
  temperature: m.chart_vital_temperature,
  spo2: m.chart_vital_spo2,
  weight: m.chart_vital_weight,
  height: m.chart_vital_height,
  bmi: m.chart_vital_bmi,
  pain: m.chart_vital_pain,
  glucose: m.portal_readings_glucose
});

/** A reading with its clinical unit, the number written the way the app's language writes numbers ("37,5 °C"). */
export function readingText(r: Pick<VitalReading, 'kind' | 'value' | 'diastolic'>): string {
  const unit = VITALS[r.kind].display;
  if (r.kind === 'bloodPressure') return `${formatNumber(r.value, 0)}/${r.diastolic === undefined ? '—' : formatNumber(r.diastolic, 0)} ${unit}`;
  if (r.kind === 'pain') return `${formatNumber(r.value, 0)}${unit}`;
  return `${formatNumber(r.value, 1)} ${unit}`;
}

export const timelineKindLabel = lookup<TimelineKind>({
  encounter: m.chart_kind_visits,
  condition: m.chart_kind_problems,
  allergy: m.chart_kind_allergies,
  medication: m.chart_kind_medications,
  observation: m.chart_kind_observations,
  immunization: m.chart_kind_immunizations,
  procedure: m.chart_kind_procedures,
  report: m.chart_kind_reports,
  carePlan: m.chart_kind_care_plans
});

/** One row's kind on the timeline (singular). */
export const timelineKindOne = lookup<TimelineKind>({
  encounter: m.chart_kind_visit,
  condition: m.chart_kind_problem,
  allergy: m.chart_kind_allergy,
  medication: m.chart_kind_medication,
  observation: m.chart_kind_observation,
  immunization: m.chart_kind_immunization,
  procedure: m.chart_kind_procedure,
  report: m.chart_kind_report,
  carePlan: m.chart_kind_care_plan
});

/** The status words the timeline shows beside an entry. */
export const timelineStatus = lookup({
  'entered in error': m.chart_status_entered_in_error,
  'draft note': m.chart_status_draft_note,
  signed: m.chart_status_signed,
  resolved: m.chart_status_resolved,
  inactive: m.chart_status_inactive,
  recurrence: m.chart_status_recurrence,
  relapse: m.chart_status_relapse,
  remission: m.chart_status_remission,
  active: m.chart_status_active,
  stopped: m.chart_status_stopped,
  completed: m.chart_status_completed,
  preliminary: m.chart_status_preliminary
});

export const conditionStatus = timelineStatus;

export const orderStatusLabel = lookup<OrderStatus>({
  draft: m.chart_order_status_draft,
  active: m.chart_order_status_active,
  completed: m.chart_order_status_completed,
  revoked: m.chart_order_status_cancelled,
  'entered-in-error': m.chart_order_status_entered_in_error
});

export const orderPriorityLabel = lookup({
  routine: m.chart_priority_routine,
  urgent: m.chart_priority_urgent,
  asap: m.chart_priority_asap,
  stat: m.chart_priority_stat
});

export const populationLabel = lookup<Population>({
  adult: m.chart_population_adult,
  woman: m.chart_population_woman,
  pregnant: m.chart_population_pregnant,
  man: m.chart_population_man
});

export const careTeamRoleLabel = lookup<(typeof CARE_TEAM_ROLES)[number]>({
  'Primary care physician': m.chart_role_primary_care_physician,
  'Nurse practitioner': m.chart_role_nurse_practitioner,
  'Physician assistant': m.chart_role_physician_assistant,
  'Registered nurse': m.chart_role_registered_nurse,
  'Care coordinator': m.chart_role_care_coordinator,
  'Community health worker': m.chart_role_community_health_worker,
  Pharmacist: m.chart_role_pharmacist,
  'Behavioral health': m.chart_role_behavioral_health,
  Specialist: m.chart_role_specialist,
  Other: m.chart_role_other
});

export const allergyCategoryLabel = lookup({
  medication: m.chart_allergy_category_medication,
  food: m.chart_allergy_category_food,
  environment: m.chart_allergy_category_environment,
  biologic: m.chart_allergy_category_biologic
});

export const severityLabel = lookup({
  mild: m.chart_severity_mild,
  moderate: m.chart_severity_moderate,
  severe: m.chart_severity_severe
});

export const criticalityLabel = lookup({
  low: m.chart_criticality_low,
  high: m.chart_criticality_high,
  'unable-to-assess': m.chart_criticality_unable_to_assess
});

export const immunizationSiteLabel = lookup({
  LA: m.chart_site_left_arm,
  RA: m.chart_site_right_arm,
  LT: m.chart_site_left_thigh,
  RT: m.chart_site_right_thigh,
  LD: m.chart_site_left_deltoid,
  RD: m.chart_site_right_deltoid
});

export const immunizationRouteLabel = lookup({
  IM: m.chart_route_intramuscular,
  SC: m.chart_route_subcutaneous,
  ID: m.chart_route_intradermal,
  NASINHLC: m.chart_route_intranasal,
  PO: m.chart_route_oral
});

/**
 * A vital's or a result's flag as a clinician reads it. The labels are the
 * domain's own (vitals.ts, lab-results.ts); a laboratory's free-text
 * interpretation has no entry and is shown as the laboratory wrote it.
 */
export const flagLabel = lookup({
  Normal: m.chart_flag_normal,
  High: m.chart_flag_high,
  Low: m.chart_flag_low,
  Abnormal: m.chart_flag_abnormal,
  'Critically high': m.chart_flag_critically_high,
  'Critically low': m.chart_flag_critically_low,
  'Critically abnormal': m.chart_flag_critically_abnormal,
  'Significantly high': m.chart_flag_significantly_high,
  'Significantly low': m.chart_flag_significantly_low,
  Positive: m.chart_flag_positive,
  'Invalid — repeat': m.chart_flag_invalid_repeat,
  Elevated: m.chart_flag_elevated,
  Fever: m.chart_flag_fever,
  'Healthy weight': m.chart_flag_healthy_weight,
  'High (tachycardia)': m.chart_flag_tachycardia,
  'Low (bradycardia)': m.chart_flag_bradycardia,
  'Hypertensive crisis': m.chart_flag_hypertensive_crisis,
  Hypothermia: m.chart_flag_hypothermia,
  'Mild pain': m.chart_flag_mild_pain,
  'Moderate pain': m.chart_flag_moderate_pain,
  'Severe pain': m.chart_flag_severe_pain,
  'No pain': m.chart_flag_no_pain,
  Obesity: m.chart_flag_obesity,
  Overweight: m.chart_flag_overweight,
  Underweight: m.chart_flag_underweight,
  'Stage 1 hypertension': m.chart_flag_stage1_hypertension,
  'Stage 2 hypertension': m.chart_flag_stage2_hypertension,
  'Very high': m.chart_flag_very_high,
  'Very low': m.chart_flag_very_low
});

/** Why a reading was not checked against ranges (vitals.ts flagReading). */
export const notCheckedReason = lookup({
  'Birth date unknown: adult ranges not checked': m.chart_not_checked_no_birth_date,
  'Child: adult ranges not checked': m.chart_not_checked_child,
  'Diastolic missing': m.chart_not_checked_no_diastolic
});

/** The editable fields of allergies and problems (chart-doc.ts ALLERGY_EDITABLE, CONDITION_EDITABLE), as the review of a conflict names them. */
export const editableFieldLabel = lookup({
  reaction: m.chart_reaction,
  severity: m.chart_severity,
  criticality: m.chart_criticality,
  clinicalStatus: m.chart_field_status,
  onsetDate: m.chart_field_onset,
  abatementDate: m.chart_field_resolved_on,
  note: m.chart_field_note
});

/** A disputed value as shown: coded values in the app's language, what a person typed as it was typed. */
export function editableValueText(field: string, value: string): string {
  if (value === '') return m.chart_blank_value();
  const coded = field === 'severity' ? severityLabel(value, '') : field === 'criticality' ? criticalityLabel(value, '') : field === 'clinicalStatus' ? conditionStatus(value, '') : '';
  const text = coded || value.replace(/-/g, ' ');
  return text.charAt(0).toLocaleUpperCase() + text.slice(1);
}
