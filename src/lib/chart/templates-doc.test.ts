import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listClinicTemplates, saveClinicTemplate, setClinicTemplateStatus } from './templates-doc';

const dr = { id: 'u1', name: 'Dr. Test' };
const INPUT = { name: 'Malaria follow-up', visitType: 'Follow-up', sections: { subjective: 'Fever since last visit: ', objective: '', assessment: '', plan: 'Next review: ' } };

describe('clinic templates document', () => {
  it('adds, edits, retires and reinstates; retired ones are listed last', () => {
    const doc = new Y.Doc();
    const a = saveClinicTemplate(doc, INPUT, dr);
    const b = saveClinicTemplate(doc, { ...INPUT, name: 'Antenatal (clinic)' }, dr);
    expect(listClinicTemplates(doc).map((t) => t.name)).toEqual(['Antenatal (clinic)', 'Malaria follow-up']);
    saveClinicTemplate(doc, { ...INPUT, name: 'Malaria review', sections: { ...INPUT.sections, assessment: 'Malaria, response: ' } }, dr, a);
    setClinicTemplateStatus(doc, b, 'retired', dr);
    expect(listClinicTemplates(doc)).toMatchObject([
      { id: a, name: 'Malaria review', visitType: 'Follow-up', status: 'active', sections: { subjective: 'Fever since last visit: ', assessment: 'Malaria, response: ', plan: 'Next review: ' } },
      { id: b, status: 'retired' }
    ]);
    setClinicTemplateStatus(doc, b, 'active', dr);
    expect(listClinicTemplates(doc).every((t) => t.status === 'active')).toBe(true);
  });

  it('refuses a template without a name or text, with too long a section, or an unknown id — readably', () => {
    const doc = new Y.Doc();
    expect(() => saveClinicTemplate(doc, { ...INPUT, name: '  ' }, dr)).toThrow('The template is not valid');
    try {
      saveClinicTemplate(doc, { name: 'Empty', visitType: '', sections: { subjective: ' ', objective: '', assessment: '', plan: '' } }, dr);
      expect.unreachable();
    } catch (e) {
      expect((e as { details: { message: string }[] }).details.map((d) => d.message)).toEqual(['Write the text of at least one section']);
    }
    expect(() => saveClinicTemplate(doc, { ...INPUT, sections: { ...INPUT.sections, plan: 'x'.repeat(4001) } }, dr)).toThrow('The template is not valid');
    expect(() => saveClinicTemplate(doc, INPUT, dr, 'no-such-id')).toThrow('This template is not in the clinic’s list on this device');
    expect(listClinicTemplates(doc)).toEqual([]);
  });
});
