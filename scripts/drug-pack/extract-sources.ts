/**
 * Extracts the compact source files the pack build needs from the shared
 * reference data (../shared): the HL7 PDDI-CDS value sets (CC0) and the RxNorm
 * codes the Synthea fixtures use (Apache-2.0). Output lands in
 * knowledge/drug-pack/sources/ so that a clone without ../shared rebuilds the same
 * pack from the committed copies.
 */
import { copyFileSync, existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';

export interface ValueSetExtract {
  url: string;
  title: string;
  version: string;
  /** Other value sets this composite includes. */
  includes: string[];
  /** [code, display] pairs. */
  concepts: [string, string][];
}

export interface PddiSources {
  note: string;
  valueSets: Record<string, ValueSetExtract>;
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  isArray: (name) => ['entry', 'include', 'concept', 'valueSet', 'contains'].includes(name)
});

type Xml = Record<string, unknown>;
const val = (node: unknown): string => (node && typeof node === 'object' ? String((node as Xml).value ?? '') : '');

function readValueSet(vs: Xml): [string, ValueSetExtract] {
  const id = val(vs.id);
  const compose = (vs.compose ?? {}) as Xml;
  const includes = ((compose.include ?? []) as Xml[]).flatMap((inc) => ((inc.valueSet ?? []) as Xml[]).map((v) => String(v.value ?? v).split('/').pop() ?? ''));
  const concepts = ((compose.include ?? []) as Xml[]).flatMap((inc) =>
    ((inc.concept ?? []) as Xml[]).map((c): [string, string] => [val(c.code), val(c.display)])
  );
  return [id, { url: val(vs.url), title: val(vs.title), version: val(vs.version), includes, concepts }];
}

/** Reads every ValueSet in the artifact bundles and the vocabulary folder; bundle copies win on conflict (they carry the enumerations). */
export function extractPddi(sharedDir: string): PddiSources {
  const root = path.join(sharedDir, 'data/pddi-cds/input');
  const valueSets: Record<string, ValueSetExtract> = {};
  const add = ([id, vs]: [string, ValueSetExtract]) => {
    const prior = valueSets[id];
    if (!prior || prior.concepts.length < vs.concepts.length || prior.includes.length < vs.includes.length) valueSets[id] = vs;
  };
  const vocab = path.join(root, 'vocabulary');
  for (const file of readdirSync(vocab).filter((f) => f.endsWith('.xml')).sort()) {
    add(readValueSet(parser.parse(readFileSync(path.join(vocab, file), 'utf8')).ValueSet as Xml));
  }
  for (const artifact of ['warfarin-nsaids', 'digoxin-cyclosporine']) {
    const bundle = parser.parse(readFileSync(path.join(root, 'images/artifacts', artifact, 'valueset-bundle.xml'), 'utf8')).Bundle as Xml;
    for (const entry of (bundle.entry ?? []) as Xml[]) {
      const vs = ((entry.resource ?? {}) as Xml).ValueSet as Xml | undefined;
      if (vs) add(readValueSet(vs));
    }
  }
  // SNOMED CT may not be shipped with Outpost: drop the SNOMED-coded GI-bleed value set.
  delete valueSets['valueset-Hx-UGIB-snomed'];
  return {
    note: 'Extract of ValueSet compose concepts from the HL7 PDDI-CDS implementation guide (CC0 1.0, see LICENSE-pddi-cds.txt). SNOMED CT content omitted.',
    valueSets
  };
}

export function copyPddiLicense(sharedDir: string, sourcesDir: string): void {
  copyFileSync(path.join(sharedDir, 'data/pddi-cds/LICENSE'), path.join(sourcesDir, 'LICENSE-pddi-cds.txt'));
}

export interface SyntheaCodes {
  note: string;
  medications: [string, string][];
}

/** RxNorm codes and names of every MedicationRequest in the Synthea fixtures. */
export function extractSynthea(sharedDir: string): SyntheaCodes {
  const dir = path.join(sharedDir, 'fixtures/synthea');
  const seen = new Map<string, string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const bundle = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { entry?: { resource?: Xml }[] };
    for (const { resource } of bundle.entry ?? []) {
      if (resource?.resourceType !== 'MedicationRequest') continue;
      const coding = ((resource.medicationCodeableConcept as Xml | undefined)?.coding as Xml[] | undefined)?.[0];
      if (coding?.code) seen.set(String(coding.code), String(coding.display ?? ''));
    }
  }
  return {
    note: 'RxNorm codes used by MedicationRequest resources in the Synthea sample patients (smart-on-fhir/generated-sample-data, Apache-2.0).',
    medications: [...seen.entries()].sort((a, b) => Number(a[0]) - Number(b[0]))
  };
}

export function sharedDataPresent(sharedDir: string): boolean {
  return existsSync(path.join(sharedDir, 'data/pddi-cds/input')) && existsSync(path.join(sharedDir, 'fixtures/synthea'));
}
