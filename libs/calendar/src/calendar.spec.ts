import { describe, expect, it } from 'vitest';
import {
  entriesPublishedAt,
  isRaceDayOver,
  kstDateOf,
  kstToday,
  meetsRacingOn,
  nextKstMidnight,
  toKstIso,
} from './calendar';

describe(isRaceDayOver.name, () => {
  it('should call a day over from the next midnight in Asia/Seoul', () => {
    // 2025-06-22 ends at 2025-06-21T15:00Z + 24 h = 2025-06-22T15:00Z.
    expect(kstToday(new Date('2025-06-22T14:59:59Z'))).toBe('2025-06-22');
    expect(isRaceDayOver('2025-06-22', new Date('2025-06-22T14:59:59Z'))).toBe(false);
    expect(isRaceDayOver('2025-06-22', new Date('2025-06-22T15:00:00Z'))).toBe(true);
    expect(isRaceDayOver('2025-06-28', new Date('2025-06-22T15:00:00Z'))).toBe(false);
  });
});

describe('the racing calendar', () => {
  it('should give the KST date and the next KST midnight of an instant', () => {
    expect(kstDateOf(new Date('2025-05-23T14:59:59Z'))).toBe('20250523');
    expect(kstDateOf(new Date('2025-05-23T15:00:00Z'))).toBe('20250524');
    expect(nextKstMidnight(new Date('2025-05-23T03:00:00Z')).toISOString()).toBe('2025-05-23T15:00:00.000Z');
    expect(toKstIso(new Date('2025-05-23T01:35:00Z'))).toBe('2025-05-23T10:35:00+09:00');
  });

  it('should know which meets race on which weekday, in either date form', () => {
    expect(['20250523', '2025-05-24', '20250525', '2025-05-26'].map((date) => meetsRacingOn(date))).toEqual([
      [2, 3],
      [1, 2],
      [1, 3],
      [],
    ]);
  });

  it('should publish a race day’s entries the Wednesday before at 14:30 KST', () => {
    expect(entriesPublishedAt('20250523').toISOString()).toBe('2025-05-21T05:30:00.000Z');
    expect(entriesPublishedAt('20250525').toISOString()).toBe('2025-05-21T05:30:00.000Z');
  });
});
