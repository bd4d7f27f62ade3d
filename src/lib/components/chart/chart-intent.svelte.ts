/**
 * What a reminder asked for ("order HbA1c", "record Tdap"), handed to the
 * card that does it: the card opens its form prefilled and scrolls into
 * view. One value at a time; the card that takes it clears it.
 */
export type ChartIntent = { kind: 'order'; code: string; reason: string } | { kind: 'immunize'; cvx: string } | { kind: 'record-vitals' };

class ChartIntentManager {
  #intent = $state<ChartIntent | null>(null);

  get current(): ChartIntent | null {
    return this.#intent;
  }

  request(intent: ChartIntent): void {
    this.#intent = intent;
  }

  /** The intent, if it is of this kind, removed so it is acted on once. */
  take<K extends ChartIntent['kind']>(kind: K): Extract<ChartIntent, { kind: K }> | null {
    const i = this.#intent;
    if (!i || i.kind !== kind) return null;
    this.#intent = null;
    return i as Extract<ChartIntent, { kind: K }>;
  }

  reset(): void {
    this.#intent = null;
  }
}

export const chartIntent = new ChartIntentManager();
