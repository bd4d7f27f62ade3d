import type { AllergyInput, ConditionInput } from '../../src/lib/domain/chart';
import { newMrn, type Gender } from '../../src/lib/domain/patient';
import { intBetween, mulberry32, pick, uuidFrom, type Random } from './prng';
import type { SeedPatient, SeedVisit } from './seed-patient';

/**
 * Fictional demo patients, generated from a fixed seed so every demo clinic
 * holds the same people: a mix of names from many backgrounds, ages 0–95,
 * the common allergies and chronic problems of a primary-care panel, and one
 * open visit each with a draft note.
 */

const FEMALE = [
  'Adaeze', 'Mei', 'Fatima', 'Sofía', 'Anjali', 'Olga', 'Grace', 'Leilani', 'Amira', 'Ingrid',
  'Yuki', 'Chiamaka', 'Lucía', 'Hana', 'Thandiwe', 'Maria', 'Aroha', 'Nadia', 'Ayesha', 'Rosa'
];
const MALE = [
  'Kwame', 'Wei', 'Omar', 'Mateo', 'Arjun', 'Dmitri', 'Samuel', 'Keanu', 'Tariq', 'Lars',
  'Hiroshi', 'Emeka', 'Diego', 'Minh', 'Sipho', 'João', 'Tane', 'Yusuf', 'Ravi', 'Luis'
];
const FAMILY = [
  'Mensah', 'Chen', 'Haddad', 'García', 'Patel', 'Ivanova', 'Johnson', 'Kahale', 'Rahman', 'Lindqvist',
  'Tanaka', 'Okonkwo', 'Hernández', 'Nguyen', 'Dlamini', 'Silva', 'Ngata', 'Yilmaz', 'Sharma', 'Morales',
  'Kowalski', 'Begay', "O'Brien", 'Abebe', 'Kim', 'Novak', 'Castillo', 'Haile', 'Murphy', 'Walker'
];
const STREETS = ['Mill Road', 'River Street', 'Church Lane', 'Station Road', 'Hill View', 'Market Street', 'School Road'];
const TOWNS = [
  { city: 'Riverbend', postalCode: '59301' },
  { city: 'Cedar Flats', postalCode: '59312' },
  { city: 'Pine Hollow', postalCode: '59327' }
];

const RXNORM = 'http://www.nlm.nih.gov/research/umls/rxnorm';
const SNOMED = 'http://snomed.info/sct';

const ALLERGIES: AllergyInput[] = [
  { substance: 'Penicillin', coding: [{ system: RXNORM, code: '70618', display: 'Penicillin' }], category: 'medication', criticality: 'high', reaction: 'Hives, facial swelling', severity: 'severe' },
  { substance: 'Sulfamethoxazole', coding: [{ system: RXNORM, code: '10180', display: 'Sulfamethoxazole' }], category: 'medication', criticality: 'low', reaction: 'Rash', severity: 'mild' },
  { substance: 'Ibuprofen', coding: [{ system: RXNORM, code: '5640', display: 'Ibuprofen' }], category: 'medication', criticality: 'low', reaction: 'Wheeze', severity: 'moderate' },
  { substance: 'Codeine', coding: [{ system: RXNORM, code: '2670', display: 'Codeine' }], category: 'medication', criticality: 'low', reaction: 'Nausea and vomiting', severity: 'mild' },
  { substance: 'Peanut', coding: [{ system: SNOMED, code: '91935009', display: 'Allergy to peanuts' }], category: 'food', criticality: 'high', reaction: 'Anaphylaxis', severity: 'severe' },
  { substance: 'Latex', coding: [{ system: SNOMED, code: '300916003', display: 'Latex allergy' }], category: 'environment', criticality: 'low', reaction: 'Contact dermatitis', severity: 'mild' }
];

interface Problem {
  condition: ConditionInput;
  minAge: number;
  /** Draft note text for a follow-up visit about this problem. */
  note: { subjective: string; assessment: string; plan: string };
}

const problem = (text: string, code: string, minAge: number, note: Problem['note']): Problem => ({
  condition: { text, coding: [{ system: SNOMED, code, display: text }], clinicalStatus: 'active' },
  minAge,
  note
});

const PROBLEMS: Problem[] = [
  problem('Essential hypertension', '59621000', 30, {
    subjective: 'Here for blood pressure follow-up. Taking amlodipine most days. No headaches, chest pain or breathlessness.',
    assessment: 'Hypertension, not yet at target on home readings.',
    plan: 'Continue amlodipine. Home BP diary for 2 weeks. Review with readings.'
  }),
  problem('Type 2 diabetes mellitus', '44054006', 30, {
    subjective: 'Diabetes review. Checking sugars twice a week, fasting 7–9 mmol/L. Feet sore at the end of the day.',
    assessment: 'Type 2 diabetes, fair control. Due for foot check and HbA1c.',
    plan: 'HbA1c and kidney function today. Foot examination. Continue metformin.'
  }),
  problem('Asthma', '195967001', 2, {
    subjective: 'Cough at night for a week after a cold. Using the blue inhaler 3–4 times a day.',
    assessment: 'Asthma, partly controlled after viral illness.',
    plan: 'Check inhaler technique. Step up preventer for 4 weeks. Written asthma action plan given.'
  }),
  problem('Hyperlipidemia', '55822004', 35, {
    subjective: 'Cholesterol result discussion. Trying to walk daily.',
    assessment: 'Raised LDL cholesterol; 10-year cardiovascular risk to be calculated.',
    plan: 'Discuss statin. Repeat lipids in 3 months.'
  }),
  problem('Chronic obstructive lung disease', '13645005', 45, {
    subjective: 'More breathless walking uphill this month. Sputum clear. Still smoking 5 a day.',
    assessment: 'COPD, stable, no exacerbation.',
    plan: 'Smoking cessation support offered. Check vaccinations. Pulmonary rehab referral.'
  }),
  problem('Hypothyroidism', '40930008', 20, {
    subjective: 'Tired for two months. Taking levothyroxine each morning.',
    assessment: 'Hypothyroidism; fatigue, dose may need adjusting.',
    plan: 'TSH today. Review dose with result.'
  }),
  problem('Gastroesophageal reflux disease', '235595009', 16, {
    subjective: 'Heartburn after meals, worse lying down. No weight loss, no trouble swallowing.',
    assessment: 'Reflux symptoms without warning signs.',
    plan: 'Lifestyle advice. Trial of omeprazole for 4 weeks.'
  }),
  problem('Migraine', '37796009', 10, {
    subjective: 'Headaches twice a month with light sensitivity, relieved by rest in a dark room.',
    assessment: 'Migraine without aura.',
    plan: 'Headache diary. Acute treatment plan discussed.'
  }),
  problem('Atopic dermatitis', '24079001', 0, {
    subjective: 'Itchy dry patches in elbow creases, worse in winter.',
    assessment: 'Eczema flare.',
    plan: 'Emollients twice daily. Short course of mild topical steroid.'
  }),
  problem('Osteoarthritis of knee', '239873007', 50, {
    subjective: 'Right knee pain on stairs, stiff for 10 minutes in the morning.',
    assessment: 'Osteoarthritis of the knee.',
    plan: 'Exercise programme. Paracetamol as needed. Weight advice.'
  })
];

const WELL_VISIT = {
  subjective: 'Routine check. No new concerns.',
  assessment: 'Well.',
  plan: 'Routine screening as due. Return as needed.'
};

function birthDateFor(rand: Random, age: number, today: Date): string {
  const d = new Date(Date.UTC(today.getUTCFullYear() - age, today.getUTCMonth(), today.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - intBetween(rand, 1, 364));
  return d.toISOString().slice(0, 10);
}

function generateOne(rand: Random, today: Date): SeedPatient {
  const gender: Gender = rand() < 0.5 ? 'female' : 'male';
  const given = pick(rand, gender === 'female' ? FEMALE : MALE);
  const family = pick(rand, FAMILY);
  // Spread ages across the whole panel: a few children, many adults, some very old.
  const age = Math.min(95, Math.floor(rand() ** 1.1 * 96));
  const town = pick(rand, TOWNS);
  const id = uuidFrom(rand);
  const mrn = newMrn(rand);

  const eligible = PROBLEMS.filter((p) => age >= p.minAge);
  const problems: Problem[] = [];
  const count = age < 18 ? intBetween(rand, 0, 1) : intBetween(rand, 0, 3);
  for (let i = 0; i < count && eligible.length; i++) {
    const p = eligible.splice(Math.floor(rand() * eligible.length), 1)[0];
    problems.push(p);
  }
  const allergies = rand() < 0.35 ? [pick(rand, ALLERGIES)] : [];

  const visitDay = new Date(today.getTime() - intBetween(rand, 0, 20) * 86_400_000);
  visitDay.setUTCHours(intBetween(rand, 8, 16), pick(rand, [0, 15, 30, 45]), 0, 0);
  const focus = problems[0];
  const visit: SeedVisit = {
    input: {
      class: rand() < 0.2 ? 'virtual' : 'ambulatory',
      type: focus ? 'Follow-up visit' : 'Check-up',
      reason: focus ? focus.condition.text : 'Routine check',
      start: visitDay.toISOString()
    },
    note: focus ? focus.note : WELL_VISIT
  };

  return {
    id,
    mrn,
    demographics: {
      family,
      given: [given],
      birthDate: birthDateFor(rand, age, today),
      gender,
      phone: `555-01${String(intBetween(rand, 0, 99)).padStart(2, '0')}`,
      addressLine: `${intBetween(rand, 1, 240)} ${pick(rand, STREETS)}`,
      city: town.city,
      postalCode: town.postalCode
    },
    allergies,
    conditions: problems.map((p) => ({
      ...p.condition,
      onsetDate: String(today.getUTCFullYear() - intBetween(rand, 0, Math.max(0, Math.min(age, 15))))
    })),
    visits: [visit]
  };
}

/** `count` demo patients; the same seed and day always give the same people. */
export function generatePatients(count: number, seed = 20_240_601, today: Date = new Date()): SeedPatient[] {
  const rand = mulberry32(seed);
  return Array.from({ length: count }, () => generateOne(rand, today));
}
