import type { NoteSection } from '$lib/domain/chart';
import { m } from '$lib/paraglide/messages';

/** A note section's title in the app's current language. */
export function sectionTitle(section: NoteSection): string {
  switch (section) {
    case 'subjective':
      return m.visit_section_subjective();
    case 'objective':
      return m.visit_section_objective();
    case 'assessment':
      return m.visit_section_assessment();
    case 'plan':
      return m.visit_section_plan();
  }
}
