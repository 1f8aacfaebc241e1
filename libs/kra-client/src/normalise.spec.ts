import { describe, expect, it } from 'vitest';
import {
  bodyWeight,
  finish,
  kraId,
  meetCode,
  num,
  payout,
  raceDate,
  startTime,
  text0,
  trackCondition,
} from './normalise';

describe('normalisers', () => {
  it('should map meet names and codes', () => {
    expect(['서울', '제주', '부경', '부산경남', '1', 3, '영천', 'x'].map((value) => meetCode(value))).toEqual([
      1,
      2,
      3,
      3,
      1,
      3,
      4,
      null,
    ]);
  });

  it('should turn "-" and empty into null', () => {
    expect([text0('-'), text0(''), text0(' a '), num('-'), num('')]).toEqual([null, null, 'a', null, null]);
  });

  it('should coerce numbers from XML text', () => {
    expect([num('75.4'), num('1,234'), num(3), num('abc')]).toEqual([75.4, 1234, 3, null]);
  });

  it('should keep identifiers as strings with their leading zeros', () => {
    expect([kraId('0051228', 'horse'), kraId(51228, 'horse'), kraId(80565, 'jockey'), kraId(118011, 'owner')]).toEqual([
      '0051228',
      '0051228',
      '080565',
      '118011',
    ]);
  });

  it('should split wgHr into body weight and change', () => {
    expect([bodyWeight('511(+2)'), bodyWeight('498(-6)'), bodyWeight('470(0)'), bodyWeight('-')]).toEqual([
      { kg: 511, change: 2 },
      { kg: 498, change: -6 },
      { kg: 470, change: 0 },
      { kg: null, change: null },
    ]);
  });

  it('should read "NNN()" as a weight with no change known, and "0()" as not weighed yet', () => {
    expect([
      bodyWeight('461()'),
      bodyWeight('461( )'),
      bodyWeight('0()'),
      bodyWeight('0'),
      bodyWeight(0),
      bodyWeight('()'),
    ]).toEqual([
      { kg: 461, change: null },
      { kg: 461, change: null },
      { kg: null, change: null },
      { kg: null, change: null },
      { kg: null, change: null },
      { kg: null, change: null },
    ]);
  });

  it('should split the track into going and moisture', () => {
    expect(trackCondition('건조 (2%)')).toEqual({ going: '건조', moisturePercent: 2 });
    expect(trackCondition('불량(20%)')).toEqual({ going: '불량', moisturePercent: 20 });
    expect(trackCondition('-')).toEqual({ going: null, moisturePercent: null });
  });

  it('should read every start-time form into one Asia/Seoul timestamp', () => {
    const expected = '2025-05-03T10:35:00+09:00';
    expect(startTime('2025-05-03', '출발 :10:35')).toBe(expected);
    expect(startTime('2025-05-03', '1035')).toBe(expected);
    expect(startTime('2025-05-03', '10:35')).toBe(expected);
    expect(startTime('2025-05-03', '2025-05-03T10:35:00+09:00')).toBe(expected);
    expect(startTime('2025-05-03', '2025-05-03T01:35:00Z')).toBe(expected);
    expect(startTime('2025-05-03', '-')).toBeNull();
  });

  it('should read finishing codes 91–99 as statuses, not positions', () => {
    expect([91, 92, 93, 94, 95, 98, 99].map((code) => finish(code).status)).toEqual([
      'disqualified',
      'pulled_up',
      'excluded',
      'excluded',
      'scratched',
      'void',
      'cancelled',
    ]);
    expect(finish(3, 5.2)).toEqual({ position: 3, status: 'finished' });
    expect(finish(0, 0)).toEqual({ position: null, status: 'scratched' });
    expect(finish(0, 4.1)).toEqual({ position: null, status: null });
  });

  it('should read a 9999.9 dividend as no payout', () => {
    expect(payout(9999.9)).toEqual({ payout: null, noPayout: true });
    expect(payout('12.3')).toEqual({ payout: 12.3, noPayout: false });
  });

  it('should format race dates', () => {
    expect([raceDate(20250523), raceDate('20250523'), raceDate('2025')]).toEqual(['2025-05-23', '2025-05-23', null]);
  });
});
