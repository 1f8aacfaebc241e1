import { describe, expect, it } from 'vitest';
import { isRaceDayOver, seoulToday } from './race-date';

describe(isRaceDayOver.name, () => {
  it('should call a day over from the next midnight in Asia/Seoul', () => {
    // 2025-06-22 ends at 2025-06-21T15:00Z + 24 h = 2025-06-22T15:00Z.
    expect(seoulToday(new Date('2025-06-22T14:59:59Z'))).toBe('2025-06-22');
    expect(isRaceDayOver('2025-06-22', new Date('2025-06-22T14:59:59Z'))).toBe(false);
    expect(isRaceDayOver('2025-06-22', new Date('2025-06-22T15:00:00Z'))).toBe(true);
    expect(isRaceDayOver('2025-06-28', new Date('2025-06-22T15:00:00Z'))).toBe(false);
  });
});
