import { z } from 'zod';
import { ERROR_CODES } from '../domain/errors';

/**
 * The batch sync exchange with the server (`POST /api/sync/batch`,
 * `GET /api/sync/changes`), validated on arrival: a half-deployed server or
 * a proxy's error page must not be applied to a patient's chart.
 */
export const BATCH_MAX_DOCS = 100;
export const BATCH_MAX_UPDATES = 500;
/** The server refuses bodies over 8 MiB; keep a margin for JSON and names. */
export const BATCH_MAX_BODY_CHARS = 6 * 1024 * 1024;
/** The server takes one update of at most 2 MiB; pending edits go in parts under this. */
export const BATCH_MAX_UPDATE_BYTES = 1536 * 1024;

export interface BatchRequestBody {
  docs: { name: string; stateVector: string }[];
  updates: { name: string; update: string }[];
}

const docResult = z.union([
  z.object({ name: z.string(), update: z.string(), stateVector: z.string() }),
  z.object({
    name: z.string(),
    /** The server's state vector, when it could tell it (a refused or incomplete write). */
    stateVector: z.string().optional(),
    error: z.object({
      code: z.string(),
      message: z.string(),
      /** The write-policy rules a refused change broke. */
      rules: z.array(z.string()).optional(),
      clientId: z.number().optional(),
      clock: z.number().optional()
    })
  })
]);
export type BatchDocResult = z.infer<typeof docResult>;

export const batchResponseSchema = z.object({ docs: z.array(docResult) });
export type BatchResponse = z.infer<typeof batchResponseSchema>;

export const changesResponseSchema = z.object({ docs: z.array(z.string()), cursor: z.string() });
export type ChangesResponse = z.infer<typeof changesResponseSchema>;

export function isErrorCode(code: string): code is (typeof ERROR_CODES)[number] {
  return (ERROR_CODES as readonly string[]).includes(code);
}
