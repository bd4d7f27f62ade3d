import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';

describe('OUTPOST_ROLE, OUTPOST_HUB_URL, OUTPOST_REPLICATION_SECONDS', () => {
  it('a server is a hub unless told otherwise, and a box takes its hub address and interval from the environment', () => {
    expect(loadConfig({}, '/srv').replication).toEqual({ role: 'hub', hubUrl: undefined, intervalMs: 30_000 });
    expect(loadConfig({ OUTPOST_ROLE: 'edge', OUTPOST_HUB_URL: 'https://hub.district.example/', OUTPOST_REPLICATION_SECONDS: '10' }, '/srv').replication).toEqual({
      role: 'edge',
      hubUrl: 'https://hub.district.example',
      intervalMs: 10_000
    });
  });

  it('refuses a role it does not know and an address that is none, with a sentence that says what to set', () => {
    expect(() => loadConfig({ OUTPOST_ROLE: 'clinic' }, '/srv')).toThrow('OUTPOST_ROLE must be hub or edge (got "clinic")');
    expect(() => loadConfig({ OUTPOST_ROLE: 'edge', OUTPOST_HUB_URL: 'hub.district' }, '/srv')).toThrow('OUTPOST_HUB_URL: "hub.district" is not an address (e.g. https://hub.district.example)');
    expect(() => loadConfig({ OUTPOST_REPLICATION_SECONDS: '0' }, '/srv')).toThrow('OUTPOST_REPLICATION_SECONDS must be a number between 0 and 86400 (got "0")');
  });
});
