/**
 * Fixed-dose combinations recognised by name or brand. A combination resolves
 * to its ingredients, so every ingredient is checked. RxCUIs only where the
 * CPIC drug table lists the multiple-ingredient concept.
 */
export interface CuratedCombination {
  name: string;
  ingredients: string[];
  brands: string[];
  cpicRxcui?: string;
  synonyms?: string[];
}

export const COMBINATIONS: CuratedCombination[] = [
  { name: 'sulfamethoxazole / trimethoprim', ingredients: ['sulfamethoxazole', 'trimethoprim'], brands: ['Bactrim', 'Bactrim DS', 'Septra'], cpicRxcui: '10831', synonyms: ['co-trimoxazole', 'SMX-TMP', 'TMP-SMX'] },
  { name: 'amoxicillin / clavulanate', ingredients: ['amoxicillin', 'clavulanate'], brands: ['Augmentin'], synonyms: ['amoxicillin-clavulanate', 'co-amoxiclav'] },
  { name: 'piperacillin / tazobactam', ingredients: ['piperacillin', 'tazobactam'], brands: ['Zosyn'] },
  { name: 'hydrocodone / acetaminophen', ingredients: ['hydrocodone', 'acetaminophen'], brands: ['Norco', 'Vicodin', 'Lortab'] },
  { name: 'oxycodone / acetaminophen', ingredients: ['oxycodone', 'acetaminophen'], brands: ['Percocet', 'Endocet'] },
  { name: 'codeine / acetaminophen', ingredients: ['codeine', 'acetaminophen'], brands: ['Tylenol with Codeine'] },
  { name: 'buprenorphine / naloxone', ingredients: ['buprenorphine', 'naloxone'], brands: ['Suboxone', 'Zubsolv'] },
  { name: 'carbidopa / levodopa', ingredients: ['carbidopa', 'levodopa'], brands: ['Sinemet', 'Rytary'] },
  { name: 'sacubitril / valsartan', ingredients: ['sacubitril', 'valsartan'], brands: ['Entresto'] },
  { name: 'fluticasone / salmeterol', ingredients: ['fluticasone', 'salmeterol'], brands: ['Advair', 'Advair Diskus', 'Wixela'], cpicRxcui: '284635' },
  { name: 'budesonide / formoterol', ingredients: ['budesonide', 'formoterol'], brands: ['Symbicort', 'Breyna'] },
  { name: 'fluticasone / vilanterol', ingredients: ['fluticasone', 'vilanterol'], brands: ['Breo Ellipta'] },
  { name: 'umeclidinium / vilanterol', ingredients: ['umeclidinium', 'vilanterol'], brands: ['Anoro Ellipta'] },
  { name: 'lopinavir / ritonavir', ingredients: ['lopinavir', 'ritonavir'], brands: ['Kaletra'] },
  { name: 'darunavir / cobicistat', ingredients: ['darunavir', 'cobicistat'], brands: ['Prezcobix'] },
  { name: 'atazanavir / cobicistat', ingredients: ['atazanavir', 'cobicistat'], brands: ['Evotaz'] },
  { name: 'emtricitabine / tenofovir', ingredients: ['emtricitabine', 'tenofovir'], brands: ['Truvada', 'Descovy'] },
  { name: 'bictegravir / emtricitabine / tenofovir', ingredients: ['bictegravir', 'emtricitabine', 'tenofovir'], brands: ['Biktarvy'] },
  { name: 'atovaquone / proguanil', ingredients: ['atovaquone', 'proguanil'], brands: ['Malarone'] },
  { name: 'ergotamine / caffeine', ingredients: ['ergotamine', 'caffeine'], brands: ['Cafergot', 'Migergot'] },
  { name: 'lisinopril / hydrochlorothiazide', ingredients: ['lisinopril', 'hydrochlorothiazide'], brands: ['Zestoretic'] },
  { name: 'losartan / hydrochlorothiazide', ingredients: ['losartan', 'hydrochlorothiazide'], brands: ['Hyzaar'] },
  { name: 'valsartan / hydrochlorothiazide', ingredients: ['valsartan', 'hydrochlorothiazide'], brands: ['Diovan HCT'] },
  { name: 'triamterene / hydrochlorothiazide', ingredients: ['triamterene', 'hydrochlorothiazide'], brands: ['Maxzide', 'Dyazide'] },
  { name: 'amlodipine / benazepril', ingredients: ['amlodipine', 'benazepril'], brands: ['Lotrel'] },
  { name: 'ezetimibe / simvastatin', ingredients: ['ezetimibe', 'simvastatin'], brands: ['Vytorin'] },
  { name: 'sitagliptin / metformin', ingredients: ['sitagliptin', 'metformin'], brands: ['Janumet'] },
  { name: 'naproxen / esomeprazole', ingredients: ['naproxen', 'esomeprazole'], brands: ['Vimovo'] },
  { name: 'sumatriptan / naproxen', ingredients: ['sumatriptan', 'naproxen'], brands: ['Treximet'] },
  { name: 'ethinyl estradiol / norgestimate', ingredients: ['ethinyl estradiol', 'norgestimate'], brands: ['Trinessa', 'Sprintec', 'Tri-Sprintec', 'Ortho Tri-Cyclen'] },
  { name: 'ethinyl estradiol / drospirenone', ingredients: ['ethinyl estradiol', 'drospirenone'], brands: ['Yasmin', 'Yaz'] },
  { name: 'ethinyl estradiol / desogestrel', ingredients: ['ethinyl estradiol', 'desogestrel'], brands: ['Apri'] },
  { name: 'ethinyl estradiol / levonorgestrel', ingredients: ['ethinyl estradiol', 'levonorgestrel'], brands: ['Seasonique', 'Aviane'] },
  { name: 'ethinyl estradiol / etonogestrel', ingredients: ['ethinyl estradiol', 'etonogestrel'], brands: ['NuvaRing', 'EluRyng'] }
];
