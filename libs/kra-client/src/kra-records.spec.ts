import { readFixture } from '@app/kra-sandbox';
import { describe, expect, it } from 'vitest';
import { readKraAnswer } from './envelope';
import {
  flag,
  RawItem,
  summariseRaceTotals,
  toHorse,
  toJockey,
  toRaceResult,
  toRaceTotal,
  toTrainer,
} from './kra-records';

const itemsOf = (service: string, name: string): RawItem[] =>
  readKraAnswer(service, { status: 200, body: readFixture(name) }).items;

/** The fields of `item` that `normalise` reads: every property access goes through a proxy. */
function fieldsRead(item: RawItem, normalise: (item: RawItem) => unknown): Set<string> {
  const read = new Set<string>();
  normalise(
    new Proxy(item, {
      get(target, property, receiver) {
        if (typeof property === 'string') read.add(property);
        return Reflect.get(target, property, receiver) as unknown;
      },
    }),
  );
  return read;
}

describe('every field the gateway sends is normalised', () => {
  it.each([
    ['API214_1', 'API214_1-meet3-20250523-race1.json', toRaceResult],
    ['API214_1', 'API214_1-meet3-20250523-race1.xml', toRaceResult],
    ['API299', 'API299-meet1-20250503-page1.json', toRaceTotal],
    ['API8_2', 'API8_2-hr0051228.json', toHorse],
    ['API12_1', 'API12_1-jk080405.json', toJockey],
    ['API19_1', 'API19_1-tr070180.json', toTrainer],
    ['API19_1', 'API19_1-tr070180.xml', toTrainer],
  ] as const)('%s (%s): no field of the capture is left unread', (service, name, normalise) => {
    for (const item of itemsOf(service, name)) {
      const read = fieldsRead(item, normalise);
      expect(Object.keys(item).filter((field) => !read.has(field))).toEqual([]);
    }
  });
});

describe('API214_1 records', () => {
  it('should carry the card, runner and post-race fields analysts use', () => {
    const [first] = itemsOf('API214_1', 'API214_1-meet3-20250523-race1.json').map(toRaceResult);
    expect(first).toMatchObject({
      weekday: '금요일',
      prizeCondition: 'R0~0',
      ageCondition: '연령오픈',
      weightCondition: '별정A',
      additionalPrizes: [0, 0, 0],
      origin: '한국',
      horseBirthDate: '2022-03-03',
      equipment: '망사,반가지큰,승인편자+,혀끈-',
      daysSinceLastStart: 39,
      jockeyWeightKg: 0,
      carriedWeightNote: null,
      classRise: 0,
    });
  });
});

describe('API299 records (one row per runner)', () => {
  const rows = itemsOf('API299', 'API299-meet1-20250503-page1.json');

  it('should read the real capture: ten runners of Seoul race 1 with their results and counts', () => {
    const records = rows.map(toRaceTotal);
    expect(records).toHaveLength(10);
    expect(records.map((record) => record.finishPosition)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(records[0]).toMatchObject({
      meet: 1,
      raceDate: '2025-05-03',
      raceNo: 1,
      gateNo: 3,
      horse: { id: '0051367', name: '최강스피드' },
      jockey: { id: '080613', name: '씨씨웡' },
      trainer: { id: '070182', name: '전승규' },
      scheduledStart: '2025-05-03T10:35:00+09:00',
      actualStart: '2025-05-03T10:35:00+09:00',
      startTimeChange: null,
      going: '포화',
      moisturePercent: 18,
      noRace: false,
      final: true,
      finishStatus: 'finished',
      raceTimeSeconds: 75.3,
      production: '국산',
      bodyWeightKg: 488,
      bodyWeightChange: -6,
      horseCounts: { career: { starts: 3, wins: 1, seconds: 0 }, thisYear: { starts: 3, wins: 1, seconds: 0 } },
      horseOtherCounts: { starts: 301, wins: 36, seconds: 35 },
      jockeyAge: 31,
      jockeyCareerYears: 1,
      jockeyCounts: {
        career: { starts: 420, wins: 50, seconds: 49 },
        thisYear: { starts: 278, wins: 27, seconds: 34 },
      },
      trainerAge: null,
      trainerCareerYears: 8,
      trainerCounts: {
        career: { starts: 1525, wins: 197, seconds: 177 },
        thisYear: { starts: 237, wins: 17, seconds: 30 },
      },
    });
    expect(records[0].sectionals).toEqual({
      seG1fAccTime: 61.5,
      seG3fAccTime: 36.5,
      seS1fAccTime: 14,
      se_3cAccTime: 24.7,
      se_4cAccTime: 42.6,
      sjG1fOrd: 2,
      sjG3fOrd: 4,
      sjS1fOrd: 7,
      sj_3cOrd: 5,
      sj_4cOrd: 4,
    });
  });

  it.each([
    ['numbers (JSON)', 1, 0],
    ['strings (XML)', '1', '0'],
  ])('should read finalBit and noraceFlag as %s', (_, final, noRace) => {
    const [record] = rows.slice(0, 1).map((row) => toRaceTotal({ ...row, finalBit: final, noraceFlag: noRace }));
    expect(record).toMatchObject({ final: true, noRace: false });
    const [cancelled] = rows.slice(0, 1).map((row) =>
      toRaceTotal({
        ...row,
        finalBit: typeof final === 'number' ? 0 : '0',
        noraceFlag: typeof noRace === 'number' ? 1 : '1',
      }),
    );
    expect(cancelled).toMatchObject({ final: false, noRace: true });
  });

  it('should read flags of any form, and nothing for none', () => {
    expect([1, '1', 0, '0', 'Y', 'N', 'y', 2, '-', '', undefined, 'x'].map((value) => flag(value))).toEqual([
      true,
      true,
      false,
      false,
      true,
      false,
      true,
      true,
      null,
      null,
      null,
      null,
    ]);
  });

  it('should sum the rows up per race: not run when any row says so, final only when every row is', () => {
    const records = rows.map(toRaceTotal);
    expect(summariseRaceTotals(records).get(1)).toEqual({
      raceNo: 1,
      noRace: false,
      final: true,
      going: '포화',
      moisturePercent: 18,
      actualStart: '2025-05-03T10:35:00+09:00',
      runners: 10,
    });
    const mixed = records.map((record, index) => (index === 4 ? { ...record, final: false, noRace: true } : record));
    expect(summariseRaceTotals(mixed).get(1)).toMatchObject({ noRace: true, final: false });
  });
});
