import { describe, expect, it } from 'vitest';
import { AppError } from '$lib/domain/errors';
import { messageOf } from './handle-error';

describe('messageOf', () => {
  it('says a detail that only repeats the message once', () => {
    expect(messageOf(new AppError('invalid', 'Write the name of the test', [{ path: 'text', message: 'Write the name of the test' }]))).toBe('Write the name of the test');
  });

  it('adds details that say more (positive control)', () => {
    expect(messageOf(new AppError('invalid', 'The order is not valid', [{ path: 'code', message: 'Choose a test from the list' }]))).toBe('The order is not valid: Choose a test from the list');
  });
});
