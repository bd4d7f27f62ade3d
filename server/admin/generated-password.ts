import { randomInt } from 'node:crypto';

/**
 * A password the server makes up when an administrator leaves the field
 * empty: shown to the administrator once, never stored or audited in clear.
 * Letters and digits that cannot be misread aloud or on paper (no 0/O, 1/l/I),
 * grouped in fours so it can be dictated; 16 symbols of a 55-letter alphabet
 * is about 92 bits.
 */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function generatePassword(groups = 4): string {
  const parts: string[] = [];
  for (let g = 0; g < groups; g++) {
    let part = '';
    for (let i = 0; i < 4; i++) part += ALPHABET[randomInt(ALPHABET.length)];
    parts.push(part);
  }
  return parts.join('-');
}
