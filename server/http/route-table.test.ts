import { describe, expect, test } from 'vitest';
import type { Route } from './context';
import { RouteTable } from './route-table';

const route = (method: Route['method'], path: string): Route => ({ method, path, handler: () => {} });
const table = new RouteTable([
  route('GET', '/api/patients'),
  route('GET', '/cds-services'),
  route('POST', '/cds-services/:id'),
  route('POST', '/cds-services/special'),
  route('GET', '/api/things/:kind/:id')
]);

describe('RouteTable', () => {
  test.each<[string, string, unknown]>([
    ['GET', '/api/patients', { kind: 'found', match: { params: {} } }],
    ['POST', '/cds-services/outpost-drug-checks', { kind: 'found', match: { params: { id: 'outpost-drug-checks' } } }],
    ['POST', '/cds-services/special', { kind: 'found', match: { route: { path: '/cds-services/special' }, params: {} } }],
    ['GET', '/api/things/a%20b/7', { kind: 'found', match: { params: { kind: 'a b', id: '7' } } }],
    ['GET', '/cds-services/x', { kind: 'wrong-method', allow: ['POST'] }],
    ['POST', '/api/patients', { kind: 'wrong-method', allow: ['GET'] }],
    ['POST', '/cds-services/', { kind: 'none' }],
    ['POST', '/cds-services/a/b', { kind: 'none' }],
    ['POST', '/cds-services/%E0%A4%A', { kind: 'bad-param' }]
  ])('%s %s', (method, path, expected) => {
    expect(table.lookup(method, path)).toMatchObject(expected as object);
  });
});

describe('loggablePath', () => {
  test('keeps the join secret out of request logs', async () => {
    const { loggablePath } = await import('./request-handler');
    expect(loggablePath('/join/abcDEF123_secret')).toBe('/join/…');
    expect(loggablePath('/patients/4384bf23-1dc3-48ca-8c84-89fbaff201ae')).toBe('/patients/4384bf23-1dc3-48ca-8c84-89fbaff201ae');
  });
});
