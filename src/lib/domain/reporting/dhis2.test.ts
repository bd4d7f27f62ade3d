import { describe, expect, it } from 'vitest';
import { buildDataValueSet, dataValueSetSchema, dhis2ConfigSchema, monthlyPeriod, readImportSummary, type Dhis2Mapping } from './dhis2';

/**
 * The payload against DHIS2's documented format (Web API, "Sending data
 * values": the JSON example with dataSet pBOMPrpg1QX, period 201401, org
 * unit DiszpKrYNg8 and the measles data element f7n9E0hX8qk).
 */
const measles: Dhis2Mapping = { rule: 'measles-doses-under-1', dataElement: 'f7n9E0hX8qk', categoryOptionCombo: 'bRowv6yZOF2' };
const visits: Dhis2Mapping = { rule: 'opd-visits-female-15-49', dataElement: 'Ix2HsbDMLea', categoryOptionCombo: 'bRowv6yZOF2' };

describe('the month’s data value set', () => {
  it('is the documented JSON shape, values as strings, period YYYYMM', () => {
    const set = buildDataValueSet({ dataSet: 'pBOMPrpg1QX', orgUnit: 'DiszpKrYNg8', attributeOptionCombo: '' }, '2014-01', '2014-02-03', [
      { mapping: measles, value: 12 },
      { mapping: visits, value: 0 }
    ]);
    expect(JSON.stringify(set)).toBe(
      '{"dataSet":"pBOMPrpg1QX","completeDate":"2014-02-03","period":"201401","orgUnit":"DiszpKrYNg8","dataValues":[' +
        '{"dataElement":"f7n9E0hX8qk","categoryOptionCombo":"bRowv6yZOF2","value":"12"},' +
        '{"dataElement":"Ix2HsbDMLea","categoryOptionCombo":"bRowv6yZOF2","value":"0"}]}'
    );
  });

  it('carries the attribute option combo when one is configured', () => {
    const set = buildDataValueSet({ dataSet: 'pBOMPrpg1QX', orgUnit: 'DiszpKrYNg8', attributeOptionCombo: 'HllvX50cXC0' }, '2026-12', '2027-01-02', [{ mapping: measles, value: 3 }]);
    expect(set.attributeOptionCombo).toBe('HllvX50cXC0');
    expect(set.period).toBe('202612');
  });

  it('the schema written from the docs refuses what DHIS2 would not take', () => {
    const good = { dataSet: 'pBOMPrpg1QX', completeDate: '2014-02-03', period: '201401', orgUnit: 'DiszpKrYNg8', dataValues: [{ dataElement: 'f7n9E0hX8qk', categoryOptionCombo: 'bRowv6yZOF2', value: '12' }] };
    expect(dataValueSetSchema.safeParse(good).success).toBe(true);
    const bad = [
      { ...good, period: '2014-01' },
      { ...good, period: '201413' },
      { ...good, orgUnit: '1iszpKrYNg8' },
      { ...good, dataSet: 'short' },
      { ...good, dataValues: [{ ...good.dataValues[0], value: 12 }] },
      { ...good, dataValues: [] },
      { ...good, extra: true }
    ];
    expect(bad.map((b) => dataValueSetSchema.safeParse(b).success)).toEqual([false, false, false, false, false, false, false]);
  });

  it('monthly periods', () => {
    expect(monthlyPeriod('2026-01')).toBe('202601');
    expect(() => monthlyPeriod('2026-13')).toThrow();
  });
});

describe('the configuration', () => {
  const base = { baseUrl: 'https://dhis2.example.org', authKind: 'token', orgUnit: 'DiszpKrYNg8', dataSet: 'pBOMPrpg1QX', mappings: [measles] };
  it('accepts a complete configuration', () => {
    expect(dhis2ConfigSchema.safeParse(base).success).toBe(true);
  });
  it.each([
    ['a user name in the address', { baseUrl: 'https://admin:district@dhis2.example.org' }, 'baseUrl'],
    ['no mapping', { mappings: [] }, 'mappings'],
    ['basic auth without user name', { authKind: 'basic' }, 'username'],
    ['a bad data element id', { mappings: [{ ...measles, dataElement: 'f7n9E0hX8q' }] }, 'mappings.0.dataElement'],
    ['two rules on one cell', { mappings: [measles, { ...visits, dataElement: measles.dataElement }] }, 'mappings'],
    ['an unknown rule', { mappings: [{ ...measles, rule: 'everything' }] }, 'mappings.0.rule']
  ])('refuses %s', (_name, change, path) => {
    const r = dhis2ConfigSchema.safeParse({ ...base, ...change });
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});

describe('DHIS2’s import summary', () => {
  it('reads the WebMessage of DHIS2 2.36+', () => {
    const body = {
      httpStatus: 'Conflict',
      httpStatusCode: 409,
      status: 'WARNING',
      message: 'One more conflicts encountered, please check import summary.',
      response: {
        responseType: 'ImportSummary',
        status: 'WARNING',
        importCount: { imported: 1, updated: 0, ignored: 1, deleted: 0 },
        conflicts: [{ object: 'Ix2HsbDMLea', objects: { dataElement: 'Ix2HsbDMLea' }, value: 'Data element not found or not accessible', errorCode: 'E7610' }]
      }
    };
    expect(readImportSummary(body)).toEqual({
      status: 'WARNING',
      imported: 1,
      updated: 0,
      ignored: 1,
      deleted: 0,
      conflicts: [{ object: 'Ix2HsbDMLea', value: 'Data element not found or not accessible' }],
      description: 'One more conflicts encountered, please check import summary.'
    });
  });
  it('reads a bare ImportSummary of older versions, and nothing else', () => {
    expect(readImportSummary({ status: 'SUCCESS', importCount: { imported: 2, updated: 1, ignored: 0, deleted: 0 } })).toMatchObject({ imported: 2, updated: 1, conflicts: [] });
    expect(readImportSummary({ httpStatus: 'Unauthorized', message: 'Unauthorized' })).toBeNull();
    expect(readImportSummary('<html>')).toBeNull();
  });
});
