import { describe, expect, it } from 'vitest';
import { normaliseRaceDate } from '@app/collection';
import { parseCollectArgs, UsageError } from './cli-args';

describe(parseCollectArgs.name, () => {
  it('should read a full collect command', () => {
    expect(parseCollectArgs(['collect', '--date', '20250622', '--meet', '1', '--results'])).toEqual({ date: '2025-06-22', meet: 1, results: true, details: true });
    expect(parseCollectArgs(['collect', '--meet', '3', '--date', '2025-06-22', '--no-details'])).toEqual({ date: '2025-06-22', meet: 3, results: false, details: false });
  });

  it.each([
    [['collect', '--meet', '1'], '--date is required'],
    [['collect', '--date', '2025-06-22'], '--meet is required'],
    [['collect', '--date', '2025-02-30', '--meet', '1'], '--date: "2025-02-30" is not a calendar date'],
    [['collect', '--date', '2025-06-22', '--meet', '5'], '--meet: "5" is not 1, 2, 3 or 4'],
    [['collect', '--date'], '--date needs a value'],
    [['collect', '--date', '2025-06-22', '--meet', '1', '--fast'], 'Unknown option "--fast"'],
    [['fetch'], 'Unknown command "fetch"'],
  ])('should refuse %j', (argv, message) => {
    expect(() => parseCollectArgs(argv)).toThrow(UsageError);
    expect(() => parseCollectArgs(argv)).toThrow(message);
  });

  it('should accept only real calendar dates', () => {
    expect([normaliseRaceDate('2024-02-29'), normaliseRaceDate('2025-02-29'), normaliseRaceDate('20251301'), normaliseRaceDate('2025-6-1')]).toEqual(['2024-02-29', null, null, null]);
  });
});
