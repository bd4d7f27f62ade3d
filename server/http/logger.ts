/**
 * The server's log sink. Lines carry method, path, status, timings and error
 * kinds; never request or response bodies, query strings or patient data.
 */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** A bare function also works as a sink (every level goes to it); `() => {}` silences the server. */
export type LogFn = (line: string) => void;

export function toLogger(sink: Logger | LogFn | undefined): Logger {
  if (!sink) return consoleLogger;
  if (typeof sink === 'function') return { info: sink, warn: sink, error: sink };
  return sink;
}

export const consoleLogger: Logger = {
  info: (m) => console.log(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m)
};

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/**
 * Describes an unexpected error for the log: its kind, code, a bounded message
 * and the top of the stack. Server code never puts patient fields into error
 * messages, and request bodies are never logged.
 */
export function describeError(err: unknown): string {
  if (!(err instanceof Error)) return `non-error thrown (${typeof err})`;
  const code = (err as { code?: unknown }).code;
  const frames = (err.stack ?? '').split('\n').slice(1, 6).map((l) => l.trim());
  return [`${err.name}${typeof code === 'string' ? ` [${code}]` : ''}: ${err.message.slice(0, 300)}`, ...frames].join(
    '\n    '
  );
}
