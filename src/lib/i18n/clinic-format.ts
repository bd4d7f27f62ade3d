import type { Route, Severity } from '$lib/domain/drugs/pack-schema';
import type { PharmacySend } from '$lib/chart/pharmacy-send-doc';
import type { DOSE_UNITS, FORMS, FrequencyCode } from '$lib/services/prescribe.service';
import { m } from '$lib/paraglide/messages';
import { currentLanguage } from './locale.svelte';

/**
 * Words of the clinic screens that depend on a number or stand for a coded
 * value (a dose form, a route, a frequency), in the app's language. The
 * codes themselves (what is stored, printed on the sig and sent to the
 * pharmacy) stay as they are; only what the screen shows is translated.
 */

/** The one/other form of a counted phrase, chosen by the language's plural rules (French and Portuguese say "0 patient"/"0 paciente" in the singular). */
export function counted(count: number, one: (p: { count: string }) => string, other: (p: { count: string }) => string): string {
  const n = new Intl.NumberFormat(currentLanguage()).format(count);
  return new Intl.PluralRules(currentLanguage()).select(count) === 'one' ? one({ count: n }) : other({ count: n });
}

/** A count in the app's language's digits and grouping (1,234 · 1.234 · 1 234). */
export function numberText(value: number): string {
  return new Intl.NumberFormat(currentLanguage()).format(value);
}

export function frequencyLabel(code: FrequencyCode): string {
  switch (code) {
    case 'once-daily':
      return m.clinic_freq_once_daily();
    case 'twice-daily':
      return m.clinic_freq_twice_daily();
    case 'three-times-daily':
      return m.clinic_freq_three_times_daily();
    case 'four-times-daily':
      return m.clinic_freq_four_times_daily();
    case 'every-4-hours':
      return m.clinic_freq_every_hours({ hours: numberText(4) });
    case 'every-6-hours':
      return m.clinic_freq_every_hours({ hours: numberText(6) });
    case 'every-8-hours':
      return m.clinic_freq_every_hours({ hours: numberText(8) });
    case 'every-12-hours':
      return m.clinic_freq_every_hours({ hours: numberText(12) });
    case 'at-bedtime':
      return m.clinic_freq_at_bedtime();
    case 'once-weekly':
      return m.clinic_freq_once_weekly();
  }
}

export function formLabel(form: (typeof FORMS)[number]): string {
  switch (form) {
    case 'tablet':
      return m.clinic_form_tablet();
    case 'capsule':
      return m.clinic_form_capsule();
    case 'oral suspension':
      return m.clinic_form_oral_suspension();
    case 'oral solution':
      return m.clinic_form_oral_solution();
    case 'injection':
      return m.clinic_form_injection();
    case 'inhaler':
      return m.clinic_form_inhaler();
    case 'cream':
      return m.clinic_form_cream();
    case 'ointment':
      return m.clinic_form_ointment();
    case 'drops':
      return m.clinic_form_drops();
    case 'patch':
      return m.clinic_form_patch();
  }
}

/** Dose units: the metric symbols (mg, mcg, g, mL) are the same in every language; the countable units are words. */
export function unitLabel(unit: (typeof DOSE_UNITS)[number] | string): string {
  switch (unit) {
    case 'tablet':
      return m.clinic_unit_tablet();
    case 'capsule':
      return m.clinic_unit_capsule();
    case 'puff':
      return m.clinic_unit_puff();
    case 'drop':
      return m.clinic_unit_drop();
    case 'unit':
      return m.clinic_unit_unit();
    case 'application':
      return m.clinic_unit_application();
    default:
      return unit;
  }
}

export function routeLabel(route: Route): string {
  switch (route) {
    case 'oral':
      return m.clinic_route_oral();
    case 'sublingual':
      return m.clinic_route_sublingual();
    case 'buccal':
      return m.clinic_route_buccal();
    case 'iv':
      return m.clinic_route_iv();
    case 'im':
      return m.clinic_route_im();
    case 'sc':
      return m.clinic_route_sc();
    case 'inhalation':
      return m.clinic_route_inhalation();
    case 'nasal':
      return m.clinic_route_nasal();
    case 'topical':
      return m.clinic_route_topical();
    case 'ophthalmic':
      return m.clinic_route_ophthalmic();
    case 'otic':
      return m.clinic_route_otic();
    case 'transdermal':
      return m.clinic_route_transdermal();
    case 'rectal':
      return m.clinic_route_rectal();
    case 'vaginal':
      return m.clinic_route_vaginal();
    case 'intrauterine':
      return m.clinic_route_intrauterine();
    case 'implant':
      return m.clinic_route_implant();
    case 'injection':
      return m.clinic_route_injection();
  }
}

export function severityLabel(severity: Severity): string {
  switch (severity) {
    case 'contraindicated':
      return m.clinic_severity_contraindicated();
    case 'serious':
      return m.clinic_severity_serious();
    case 'moderate':
      return m.clinic_severity_moderate();
    case 'minor':
      return m.clinic_severity_minor();
    case 'info':
      return m.clinic_severity_info();
  }
}

export function sendStateLabel(state: PharmacySend['state']): string {
  switch (state) {
    case 'queued':
      return m.clinic_send_queued();
    case 'sending':
      return m.clinic_send_sending();
    case 'delivered':
      return m.clinic_send_delivered();
    case 'held':
      return m.clinic_send_held();
    case 'failed':
      return m.clinic_send_failed();
    case 'cancelled':
      return m.clinic_send_cancelled();
  }
}
