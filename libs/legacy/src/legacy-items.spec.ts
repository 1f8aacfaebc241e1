import { cardFrom } from '@app/collection';
import { RawItem, toEntry, toHorse, toJockey, toRacePlan, toRaceResult, toTrainer } from '@app/kra-client';
import { readFixture } from '@app/kra-sandbox';
import { describe, expect, it } from 'vitest';
import { legacyEnvelope, LegacyItem, legacyFileText } from './legacy-files';
import {
  hasLegacyDetails,
  LEGACY_RESET_FIELDS,
  legacyHorseDetail,
  legacyItems,
  legacyJockeyDetail,
  LegacyRaceCard,
  LegacyRunner,
  legacyRunnerItem,
  legacyTrainerDetail,
} from './legacy-items';

function fixtureItems(name: string): RawItem[] {
  const body = (JSON.parse(readFixture(name)) as { response: { body: { items: { item: RawItem | RawItem[] } } } })
    .response.body;
  return ([] as RawItem[]).concat(body.items.item);
}

/** What jsonb gives back: undefined dropped, numbers and nulls as they were. */
function jsonb<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/**
 * The stored rows, as the collector (or an importer) derives them from items through the
 * normalisers: the race card (cardFrom over toRacePlan and toEntry), the entry (toEntry, body
 * weight from toRaceResult), the master rows and the snapshot parts (toHorse, toJockey, toTrainer).
 */
function storedFrom(item: LegacyItem): { card: LegacyRaceCard; runner: LegacyRunner } {
  const raw = Object.fromEntries(Object.entries(item).filter(([, value]) => typeof value !== 'object')) as RawItem;
  const entry = toEntry(raw);
  const result = toRaceResult(raw);
  const race = cardFrom(toRacePlan(raw), [entry], entry.raceNo ?? 0, null);
  const card: LegacyRaceCard = {
    date: entry.raceDate ?? '',
    meet: entry.meet ?? 0,
    raceNo: race.raceNo,
    name: race.name,
    distanceM: race.distanceM,
    raceClass: race.raceClass,
    ageCondition: race.ageCondition,
    sexCondition: race.sexCondition,
    weightCondition: race.weightCondition,
    prizeCondition: race.prizeCondition,
    prizes: race.prizes,
    scheduledStart: race.scheduledStart === null ? null : new Date(race.scheduledStart),
  };
  const details = (field: 'hrDetail' | 'jkDetail' | 'trDetail'): RawItem | null => {
    const value = item[field];
    return value && typeof value === 'object' && Object.keys(value).length > 0 ? value : null;
  };
  const [hrDetail, jkDetail, trDetail] = [details('hrDetail'), details('jkDetail'), details('trDetail')];
  const horse = hrDetail && toHorse(hrDetail);
  const jockey = jkDetail && toJockey(jkDetail);
  const trainer = trDetail && toTrainer(trDetail);
  const runner: LegacyRunner = {
    gateNo: entry.gateNo ?? 0,
    horse: { no: entry.horse.id, name: entry.horse.name },
    jockey: { no: entry.jockey.id, name: entry.jockey.name },
    trainer: { no: entry.trainer.id, name: entry.trainer.name },
    owner: { no: entry.owner.id, name: entry.owner.name },
    age: entry.age,
    sex: entry.sex,
    origin: entry.origin,
    carriedWeightKg: entry.carriedWeightKg,
    bodyWeightKg: result.bodyWeightKg,
    bodyWeightChange: result.bodyWeightChange,
    rating: entry.rating,
    equipment: entry.equipment,
    daysSinceLastStart: entry.daysSinceLastStart,
    horseMaster: {
      meet: horse?.meet ?? null,
      sex: horse?.sex ?? null,
      // The runner item carries the master's birthday too.
      birthDate:
        horse?.birthDate ??
        (typeof raw.birthday === 'number'
          ? `${String(raw.birthday).slice(0, 4)}-${String(raw.birthday).slice(4, 6)}-${String(raw.birthday).slice(6)}`
          : null),
      origin: horse?.origin ?? null,
      sire: { no: horse?.sire.id ?? null, name: horse?.sire.name ?? null },
      dam: { no: horse?.dam.id ?? null, name: horse?.dam.name ?? null },
      owner: { no: horse?.owner.id ?? null, name: horse?.owner.name ?? null },
      trainer: { no: horse?.trainer.id ?? null, name: horse?.trainer.name ?? null },
    },
    jockeyMaster: jockey && {
      meet: jockey.meet,
      birthDate: jockey.birthDate,
      debutDate: jockey.debutDate,
      affiliation: jockey.affiliation,
      weightKg: jockey.weightKg,
    },
    trainerMaster: trainer && {
      meet: trainer.meet,
      birthDate: trainer.birthDate,
      licensedSince: trainer.licensedSince,
      stable: trainer.stable,
    },
    snapshot: {
      horse:
        horse &&
        jsonb({
          rating: horse.rating,
          raceClass: horse.raceClass,
          career: horse.career,
          thisYear: horse.thisYear,
          totalPrize: horse.totalPrize,
        }),
      jockey: jockey && jsonb({ career: jockey.career, thisYear: jockey.thisYear }),
      trainer:
        trainer &&
        jsonb({
          career: trainer.career,
          thisYear: trainer.thisYear,
          winRatePercent: trainer.winRatePercent,
          placeRatePercent: trainer.placeRatePercent,
        }),
    },
  };
  return { card, runner };
}

const CARD: LegacyRaceCard = {
  date: '2025-06-22',
  meet: 1,
  raceNo: 7,
  name: '스포츠서울배',
  distanceM: 1400,
  raceClass: '혼3등급',
  ageCondition: '3세이상',
  sexCondition: '암말',
  weightCondition: '핸디캡',
  prizeCondition: 'R0~70',
  prizes: [93000000, 37200000, 23700000, 8500000, 6800000],
  scheduledStart: new Date('2025-06-22T06:05:00Z'),
};

const career = (starts: number): object => ({ starts, wins: 3, seconds: 2, thirds: 1 });

function runner(gateNo: number, overrides: Partial<LegacyRunner> = {}): LegacyRunner {
  return {
    gateNo,
    horse: { no: `00400${gateNo.toString().padStart(2, '0')}`, name: `말${gateNo}` },
    jockey: { no: '080701', name: '김기수' },
    trainer: { no: '070301', name: '박조교' },
    owner: { no: '130005', name: '이마주' },
    age: 4,
    sex: '암',
    origin: '한국',
    carriedWeightKg: 53.5,
    bodyWeightKg: 462,
    bodyWeightChange: -4,
    rating: 58,
    equipment: '망사,혀끈-',
    daysSinceLastStart: 21,
    horseMaster: {
      meet: 1,
      sex: '암',
      birthDate: '2021-04-09',
      origin: '한국',
      sire: { no: '0031261', name: '사이먼퓨어' },
      dam: { no: '0031853', name: '모닝퀸' },
      owner: { no: '130005', name: '이마주' },
      trainer: { no: '070301', name: '박조교' },
    },
    jockeyMaster: {
      meet: 1,
      birthDate: '1991-02-03',
      debutDate: '2012-07-01',
      affiliation: '프리기수',
      weightKg: 52.5,
    },
    trainerMaster: { meet: 1, birthDate: null, licensedSince: '2014-06-01', stable: '15' },
    snapshot: {
      horse: { rating: 58, raceClass: '국5', career: career(12), thisYear: career(4), totalPrize: 48000000 },
      jockey: { career: career(3100), thisYear: career(300) },
      trainer: { career: career(2600), thisYear: career(250), winRatePercent: 12, placeRatePercent: 35 },
    },
    ...overrides,
  };
}

describe('legacy items', () => {
  describe('from the captured fixtures', () => {
    const [api214] = fixtureItems('API214_1-meet3-20250523-race1.json').filter((item) => item.chulNo === 10);
    const [api8] = fixtureItems('API8_2-hr0051228.json');
    const [api12] = fixtureItems('API12_1-jk080405.json');
    const [api19] = fixtureItems('API19_1-tr070180.json');

    it('should write the runner exactly as the API214_1 fixture, post-race fields reset and the odds left out', () => {
      // The fixture's runner as stored, with its horse's master data from the API8_2 fixture (the same horse).
      const { card, runner: stored } = storedFrom({ ...api214, hrDetail: api8 });
      const item = legacyRunnerItem(card, stored);
      const { winOdds: _win, plcOdds: _place, ...preRace } = api214;
      expect(item).toEqual({ ...preRace, ...LEGACY_RESET_FIELDS, sexCond: '-', stTime: '-' });
      expect(Object.keys(item)).toEqual(Object.keys({ ...preRace, sexCond: '', stTime: '' }).sort());
      // The values kept, in the fixture's types.
      expect(item).toMatchObject({
        meet: '부경',
        rcDate: 20250523,
        rcDay: '금요일',
        hrNo: '0051228',
        owNo: 118011,
        wgHr: '511(+2)',
        wgBudam: 57,
        birthday: 20220303,
      });
      expect(item).toMatchObject({
        ord: 0,
        rcTime: 0,
        buG1fAccTime: 0,
        sj_4cOrd: 0,
        diffUnit: '-',
        ordBigo: '-',
        track: '-',
        weather: '-',
      });
    });

    it('should write hrDetail, jkDetail and trDetail as the API8_2, API12_1 and API19_1 fixtures, less what we do not store', () => {
      const { runner: stored } = storedFrom({ ...api214, hrDetail: api8, jkDetail: api12, trDetail: api19 });
      expect(legacyHorseDetail(stored)).toEqual({ ...api8, hrLastAmt: '-' });
      expect(Object.keys(legacyHorseDetail(stored))).toEqual(Object.keys(api8));
      // The jockey of the fixture is another one than the runner's: the detail names its own jockey.
      const jockey = legacyJockeyDetail({ ...stored, jockey: { no: '080405', name: '김용근' } });
      expect(jockey).toEqual({ ...api12, age: '-', wgOther: '-' });
      expect(legacyTrainerDetail(stored)).toEqual({
        ...api19,
        winRateY: '-',
        plcRateY: '-',
        qnlRateT: '-',
        qnlRateY: '-',
      });
    });
  });

  describe('read back through the normalisers', () => {
    const readBack = (card: LegacyRaceCard, stored: LegacyRunner): ReturnType<typeof storedFrom> =>
      storedFrom(legacyItems(card, [stored], 'enriched')[0]);

    it('should give back every stored value: records → items → normalisers → records', () => {
      const stored = runner(3);
      expect(readBack(CARD, stored)).toEqual({ card: CARD, runner: stored });
    });

    it('should give back nulls as nulls, and keep odd values as they were', () => {
      const card: LegacyRaceCard = {
        ...CARD,
        meet: 3,
        name: null,
        distanceM: null,
        raceClass: null,
        ageCondition: null,
        sexCondition: null,
        weightCondition: null,
        prizeCondition: null,
        prizes: [],
        scheduledStart: null,
      };
      const sparse = runner(1, {
        jockey: { no: '080701', name: null },
        trainer: { no: '070301', name: null },
        owner: { no: '0130005', name: null },
        age: null,
        sex: null,
        origin: null,
        carriedWeightKg: null,
        bodyWeightKg: null,
        bodyWeightChange: null,
        rating: 0,
        equipment: null,
        daysSinceLastStart: null,
        horseMaster: {
          meet: null,
          sex: null,
          birthDate: null,
          origin: null,
          sire: { no: null, name: null },
          dam: { no: null, name: null },
          owner: { no: null, name: null },
          trainer: { no: null, name: null },
        },
        jockeyMaster: { meet: null, birthDate: null, debutDate: null, affiliation: null, weightKg: null },
        trainerMaster: { meet: 3, birthDate: '1970-01-02', licensedSince: null, stable: '05조' },
        snapshot: {
          horse: {
            rating: null,
            raceClass: null,
            career: { starts: null, wins: null, seconds: null, thirds: null },
            thisYear: { starts: 0, wins: 0, seconds: 0, thirds: 0 },
            totalPrize: null,
          },
          jockey: { career: career(1), thisYear: { starts: null, wins: null, seconds: null, thirds: null } },
          trainer: { career: career(2), thisYear: career(1), winRatePercent: null, placeRatePercent: 0 },
        },
      });
      expect(readBack(card, sparse)).toEqual({ card, runner: sparse });
      expect(readBack(CARD, runner(2, { bodyWeightChange: null, bodyWeightKg: 470.5 })).runner).toMatchObject({
        bodyWeightKg: 470.5,
        bodyWeightChange: null,
      });
      expect(readBack(CARD, runner(2, { bodyWeightChange: 0 })).runner).toMatchObject({
        bodyWeightKg: 462,
        bodyWeightChange: 0,
      });
    });

    it('should write the scheduled start in the entry sheet form, in Asia/Seoul', () => {
      expect(legacyRunnerItem(CARD, runner(1)).stTime).toBe('출발 :15:05');
      const odd = { ...CARD, scheduledStart: new Date('2025-06-22T06:05:30Z') };
      expect(legacyRunnerItem(odd, runner(1)).stTime).toBe('2025-06-22T15:05:30+09:00');
      expect(readBack(odd, runner(1)).card.scheduledStart).toEqual(odd.scheduledStart);
    });

    it('should hold no result: toRaceResult reads no position, time, margin, odds, sectionals or observed track', () => {
      const result = toRaceResult(legacyRunnerItem(CARD, runner(1)));
      expect(result).toMatchObject({
        finishPosition: null,
        finishStatus: null,
        raceTimeSeconds: null,
        margin: null,
        note: null,
        winOdds: null,
        placeOdds: null,
        sectionals: {},
        weather: null,
        going: null,
        moisturePercent: null,
      });
      expect(Object.keys(legacyRunnerItem(CARD, runner(1)))).not.toEqual(expect.arrayContaining(['winOdds']));
      expect(Object.keys(legacyRunnerItem(CARD, runner(1)))).not.toEqual(expect.arrayContaining(['plcOdds']));
    });
  });

  describe(legacyItems.name, () => {
    it('should sort runners by gate and add the detail blocks only to enriched items, {} where the snapshot lacks a part', () => {
      const runners = [
        runner(5),
        runner(2, { snapshot: { horse: null, jockey: { career: career(10) }, trainer: null } }),
      ];
      const prerace = legacyItems(CARD, runners, 'prerace');
      expect(prerace.map((item) => item.chulNo)).toEqual([2, 5]);
      expect(prerace.every((item) => !('hrDetail' in item) && !('jkDetail' in item) && !('trDetail' in item))).toBe(
        true,
      );
      const enriched = legacyItems(CARD, runners, 'enriched');
      expect(enriched.map((item) => item.chulNo)).toEqual([2, 5]);
      expect(enriched[0]).toMatchObject({
        hrDetail: {},
        trDetail: {},
        jkDetail: { jkNo: '080701', rcCntT: 10, ord1CntT: 3, rcCntY: '-' },
      });
      expect(enriched[1].hrDetail).toMatchObject({
        hrNo: '0040005',
        rank: '국5',
        rating: 58,
        chaksunT: 48000000,
        rcCntT: 12,
        rcCntY: 4,
        birthday: 20210409,
        meet: '서울',
      });
      const { hrDetail: _h, jkDetail: _j, trDetail: _t, ...runnerFields } = enriched[1];
      expect(runnerFields).toEqual(prerace[1]);
      expect(Object.keys(enriched[1])).toEqual(Object.keys(enriched[1]).sort());
    });

    it('should tell whether a race has anything to enrich with', () => {
      expect(hasLegacyDetails([runner(1)])).toBe(true);
      expect(hasLegacyDetails([runner(1, { snapshot: { horse: null, jockey: null, trainer: null } })])).toBe(false);
      expect(hasLegacyDetails([])).toBe(false);
    });

    it('should give the same bytes for the same race, whatever order the runners come in', () => {
      const text = (runners: LegacyRunner[]): string =>
        legacyFileText(legacyEnvelope(legacyItems(CARD, runners, 'enriched')));
      expect(text([runner(1), runner(2)])).toBe(text([runner(2), runner(1)]));
      expect(text([runner(1)])).toMatch(
        /^\{\n {2}"response": \{\n {4}"header": \{\n {6}"resultCode": "00",[\s\S]*\n\}\n$/,
      );
    });
  });
});
