import { describe, expect, it } from 'vitest';
import { destinationUrl } from './transfer-store';

describe('destination URLs', () => {
  it('takes http and https FHIR bases, adding /fhir/R4 to a bare origin', () => {
    expect(destinationUrl('https://valley.example')).toBe('https://valley.example/fhir/R4');
    expect(destinationUrl('http://127.0.0.1:8080/fhir/R4/')).toBe('http://127.0.0.1:8080/fhir/R4');
  });

  it.each([
    ['file:///etc/passwd', /http or https/],
    ['ftp://valley.example/fhir', /http or https/],
    ['https://user:pw@valley.example/fhir/R4', /credentials/],
    ['https://valley.example/fhir/R4?x=1', /query/],
    ['not a url', /not a URL/]
  ])('refuses %s', (raw, message) => {
    expect(() => destinationUrl(raw)).toThrow(message);
  });
});
