/** Every curated single-ingredient drug row, in one list. */
import { ANTI_INFECTIVE } from './drugs-anti-infective';
import { CARDIOVASCULAR } from './drugs-cardiovascular';
import { ENDOCRINE_GI } from './drugs-endocrine-gi';
import { NEURO_PSYCH } from './drugs-neuro-psych';
import { OTHER } from './drugs-other';
import { PAIN_MSK } from './drugs-pain-msk';
import type { CuratedDrug } from './types';

export const ALL_DRUGS: CuratedDrug[] = [...CARDIOVASCULAR, ...ENDOCRINE_GI, ...PAIN_MSK, ...NEURO_PSYCH, ...ANTI_INFECTIVE, ...OTHER];
