import { afterEach, expect, test, vi } from 'vitest';
import { setApiFetch } from '../services/api-client';
import { callSimulationRequested } from './call-simulation';

/**
 * The simulated call is for end-to-end tests only: it needs the address flag
 * AND the server's consent. Here the server is a fetch that counts calls.
 */

afterEach(() => setApiFetch(globalThis.fetch.bind(globalThis)));

function server(allowed: boolean | 'down') {
  const fetch = vi.fn(async () => {
    if (allowed === 'down') throw new TypeError('Failed to fetch');
    return new Response(JSON.stringify({ allowed }), { status: 200, headers: { 'content-type': 'application/json' } });
  });
  setApiFetch(fetch as unknown as typeof globalThis.fetch);
  return fetch;
}

test('without the address flag the server is not even asked', async () => {
  const fetch = server(true);
  expect(await callSimulationRequested(new URL('https://clinic.example/visits/1'))).toBe(false);
  expect(await callSimulationRequested(new URL('https://clinic.example/visits/1?simulate-call=yes'))).toBe(false);
  expect(fetch).not.toHaveBeenCalled();
});

test('with the flag, only a server that allows it turns it on; an unreachable one does not', async () => {
  const url = new URL('https://clinic.example/visits/1?simulate-call=1');
  server(false);
  expect(await callSimulationRequested(url)).toBe(false);
  server('down');
  expect(await callSimulationRequested(url)).toBe(false);
  server(true);
  expect(await callSimulationRequested(url)).toBe(true);
});
