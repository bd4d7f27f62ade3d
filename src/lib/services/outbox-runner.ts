/**
 * Runs an outbox pass at once when kicked and every `intervalMs` after, one
 * pass at a time: `pass` returns null when there is nothing it may do now
 * (no open chart, not live). Errors are reported, never dropped. Shared by
 * the pharmacy and transfer outboxes.
 */
export function runOutbox(pass: () => Promise<unknown> | null, intervalMs: number, onError: (err: unknown) => void): { kick(): void; stop(): void } {
  let running = false;
  const kick = () => {
    if (running) return;
    const started = pass();
    if (!started) return;
    running = true;
    started.catch(onError).finally(() => (running = false));
  };
  const timer = setInterval(kick, intervalMs);
  return { kick, stop: () => clearInterval(timer) };
}
