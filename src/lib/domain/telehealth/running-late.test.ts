import { describe, expect, test } from 'vitest';
import { RUNNING_LATE_CHOICES, runningLateSchema, runningLateText } from './running-late';

const visitId = '0b6f3c2e-8d7a-4f5b-9c1e-2a3b4c5d6e7f';

describe('running-late notice', () => {
  test.each(RUNNING_LATE_CHOICES)('%i minutes is a valid choice', (minutes) => {
    expect(runningLateSchema.safeParse({ visitId, minutes }).success).toBe(true);
  });

  test.each([[0], [3], [7], [125], [10.5], ['10'], [undefined]])('%s minutes is refused', (minutes) => {
    expect(runningLateSchema.safeParse({ visitId, minutes }).success).toBe(false);
  });

  test('null withdraws the notice; free text has no place to go', () => {
    expect(runningLateSchema.parse({ visitId, minutes: null })).toEqual({ visitId, minutes: null });
    expect(runningLateSchema.parse({ visitId, minutes: 10, message: 'Mrs X has a complication' })).toEqual({ visitId, minutes: 10 });
  });

  test('plain words for the waiting room', () => {
    expect(runningLateText(10)).toBe('Your clinician is running about 10 minutes late. Please keep this page open.');
    expect(runningLateText(60)).toMatch(/about 1 hour late/);
    expect(runningLateText(120)).toMatch(/about 2 hours late/);
    expect(runningLateText(90)).toMatch(/about 90 minutes late/);
  });
});
