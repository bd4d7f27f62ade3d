import { getContext, setContext } from 'svelte';
import type { OpenRecord } from '../services/chart.service';

const KEY = Symbol('open-record');

/** The open patient record, shared by the chart pages under /patients/[id]. */
export function setRecordContext(get: () => OpenRecord | null): void {
  setContext(KEY, get);
}

export function getRecordContext(): () => OpenRecord | null {
  return getContext<() => OpenRecord | null>(KEY);
}
