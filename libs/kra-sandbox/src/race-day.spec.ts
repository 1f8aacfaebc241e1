import type { RawValue } from '@app/kra-client';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { addDays, dateRange, weekdayOf } from '@app/calendar';
import { defaultFixturesDir, FIXTURE_FILES, FIXTURE_RACE, loadFixtures, noFixtures } from './fixtures';
import { KraWorld } from './kra-world';
import { MeetCode, scheduledMeets } from './meets';
import { createPopulation } from './population';
import { generateRaceDay, planRaceDay, RaceDay } from './race-day';
import { Rng } from './random';
import { queryService, RawItem } from './services';

const SEED = 'unit-seed';
const AFTER_EVERYTHING = new Date('2030-01-01T00:00:00Z');

type Row = Record<string, RawValue>;

function fixtureRows(): Row[] {
  const json = JSON.parse(readFileSync(join(defaultFixturesDir(), FIXTURE_FILES.raceResultJson), 'utf8')) as {
    response: { body: { items: { item: Row[] } } };
  };
  return json.response.body.items.item;
}

function day(rcDate: string, meet: MeetCode, seed = SEED): RaceDay {
  return generateRaceDay(seed, rcDate, meet, createPopulation(seed, meet));
}

function items(
  world: KraWorld,
  service: Parameters<typeof queryService>[1],
  params: Record<string, string>,
): RawItem[] {
  const result = queryService(world, service, params, AFTER_EVERYTHING);
  if (result.kind !== 'items') throw new Error(`${service} answered error ${result.code}`);
  return result.items;
}

/** Race days drawn deterministically from 2023–2026: a scheduled date and one of its meets. */
function randomRaceDays(count: number): { rcDate: string; meet: MeetCode }[] {
  const rng = new Rng('consistency-draw');
  const days: { rcDate: string; meet: MeetCode }[] = [];
  while (days.length < count) {
    const rcDate = addDays('20230101', rng.int(0, 4 * 365));
    const meets = scheduledMeets(rcDate);
    if (meets.length > 0) days.push({ rcDate, meet: rng.pick(meets) });
  }
  return days;
}

const SPECIAL_ORDS = [91, 92, 95];

describe('race day generator', () => {
  it('should generate the identical race day twice from the same seed and date', () => {
    expect(JSON.stringify(day('20250503', 1))).toBe(JSON.stringify(day('20250503', 1)));
  });

  it('should generate a different race day from a different seed', () => {
    const a = day('20250503', 1, 'seed-a');
    const b = day('20250503', 1, 'seed-b');
    expect(a.races.flatMap((race) => race.rows.map((row) => row.hrNo))).not.toEqual(
      b.races.flatMap((race) => race.rows.map((row) => row.hrNo)),
    );
  });

  it('should race Fri Jeju + Busan, Sat Seoul + Jeju, Sun Seoul + Busan, and never Mon–Thu', () => {
    const expected: Record<number, MeetCode[]> = { 0: [1, 3], 1: [], 2: [], 3: [], 4: [], 5: [2, 3], 6: [1, 2] };
    for (const rcDate of dateRange('20250101', '20250315')) {
      const meetsWithRaces = ([1, 2, 3] as MeetCode[]).filter((meet) => planRaceDay(SEED, rcDate, meet).length > 0);
      expect(meetsWithRaces, rcDate).toEqual(expected[weekdayOf(rcDate)]);
    }
  });

  it('should keep race counts (Seoul 9–12, others 6–9), field sizes (7–14) and start times in range', () => {
    for (const { rcDate, meet } of randomRaceDays(40)) {
      const { races } = day(rcDate, meet);
      expect(races.length).toBeGreaterThanOrEqual(meet === 1 ? 9 : 6);
      expect(races.length).toBeLessThanOrEqual(meet === 1 ? 12 : 9);
      expect(races[0].plan.schStTime >= '1030' && races[0].plan.schStTime <= '1100').toBe(true);
      races.forEach((race, i) => {
        expect(race.rows.length).toBeGreaterThanOrEqual(7);
        expect(race.rows.length).toBeLessThanOrEqual(14);
        if (i > 0) {
          const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(2));
          expect(minutes(race.plan.schStTime) - minutes(races[i - 1].plan.schStTime)).toBeGreaterThanOrEqual(30);
          expect(minutes(race.plan.schStTime) - minutes(races[i - 1].plan.schStTime)).toBeLessThanOrEqual(40);
        }
      });
    }
  });

  it('should emit exactly the 90 keys of the captured API214_1 rows, with the same value types', () => {
    const captured = fixtureRows()[0];
    const types = (row: Row): Record<string, string> =>
      Object.fromEntries(
        Object.entries(row).map(([key, value]) => [key, key === 'diffUnit' ? 'margin' : typeof value]),
      );
    for (const meet of [1, 2, 3] as MeetCode[]) {
      const rcDate = meet === 1 ? '20250503' : '20250502';
      for (const row of day(rcDate, meet).races.flatMap((race) => race.rows)) {
        expect(Object.keys(row)).toEqual(Object.keys(captured));
        expect(types(row)).toEqual(types(captured));
      }
    }
  });

  it('should fill only the sectional fields of the race track (Seoul se*/sj*, Busan bu*, Jeju je*/sj*)', () => {
    const families = { bu: /^bu[GS_]/, se: /^se[GS_]/, sj: /^sj/, je: /^je/ };
    const filled = (rows: Row[], family: RegExp): boolean =>
      rows.some((row) => Object.entries(row).some(([key, value]) => family.test(key) && value !== 0));
    const finishers = (rcDate: string, meet: MeetCode): Row[] =>
      day(rcDate, meet).races.flatMap((race) => race.rows.filter((row) => Number(row.ord) < 90));
    const seoul = finishers('20250503', 1);
    const busan = finishers('20250502', 3);
    const jeju = finishers('20250502', 2);
    expect([
      filled(seoul, families.se),
      filled(seoul, families.sj),
      filled(seoul, families.bu),
      filled(seoul, families.je),
    ]).toEqual([true, true, false, false]);
    expect([
      filled(busan, families.bu),
      filled(busan, families.se),
      filled(busan, families.sj),
      filled(busan, families.je),
    ]).toEqual([true, false, false, false]);
    expect([
      filled(jeju, families.je),
      filled(jeju, families.sj),
      filled(jeju, families.bu),
      filled(jeju, families.se),
    ]).toEqual([true, true, false, false]);
  });

  it('should format body weights, carried weights, the going and margins like the gateway', () => {
    const rows = day('20250504', 3).races.flatMap((race) => race.rows);
    for (const row of rows) {
      expect(row.wgHr).toMatch(/^\d{3}\((\+\d+|-\d+|0)\)$/);
      expect(Number(row.wgBudam)).toBeGreaterThanOrEqual(50);
      expect(Number(row.wgBudam)).toBeLessThanOrEqual(60);
      expect(row.track).toMatch(/^(건조|양호|다습|포화|불량) \(\d+%\)$/);
      expect(row.hrNo).toMatch(/^\d{7}$/);
      expect(row.jkNo).toMatch(/^\d{6}$/);
      expect(row.trNo).toMatch(/^\d{6}$/);
      expect(typeof row.owNo).toBe('number');
      if (row.ord === 1 || Number(row.ord) > 90) expect(row.diffUnit).toBe('-');
      else expect(String(row.diffUnit)).toMatch(/^(코|머리|목|대|\d+|\d*[¼½¾])$/);
    }
  });
});

describe('consistency across services', () => {
  const world = new KraWorld(SEED, noFixtures());

  function checkRaceDay(target: KraWorld, rcDate: string, meet: MeetCode): void {
    const params = { meet: String(meet), rc_date: rcDate };
    const entries = items(target, 'API26_2', params);
    const results = items(target, 'API214_1', params);
    const scratches = items(target, 'API9_1', params);
    const dividends = items(target, 'API160_1', params);
    const totals = items(target, 'API299', params);
    const plans = items(target, 'API72_2', params);
    const label = `${rcDate} meet ${meet}`;
    expect(results.length, label).toBeGreaterThan(0);
    expect(entries.length, label).toBe(results.length);
    expect(plans.length, label).toBe(new Set(totals.map((item) => item.rcNo)).size);

    const runnerKey = (row: RawItem): string => [row.rcNo, row.chulNo, row.hrNo, row.jkNo, row.trNo].join('|');
    expect(new Set(results.map(runnerKey)), label).toEqual(new Set(entries.map(runnerKey)));

    for (const plan of plans) {
      const rcNo = plan.rcNo;
      const rows = results.filter((row) => row.rcNo === rcNo);
      const raceLabel = `${label} race ${rcNo}`;
      const race = target.race(rcDate, meet, Number(rcNo));
      if (race && target.isCancelled(race)) {
        // Not run: the card as it stood, no results, no payouts, API299 flags it.
        expect(
          rows.every((row) => row.ord === 0 && row.rcTime === 0),
          raceLabel,
        ).toBe(true);
        expect(dividends.filter((item) => item.rcNo === rcNo)).toEqual([]);
        expect(new Set(totals.filter((item) => item.rcNo === rcNo).map((item) => item.noraceFlag))).toEqual(
          new Set([1]),
        );
        continue;
      }
      const ords = rows.map((row) => Number(row.ord));
      const normal = ords.filter((ord) => !SPECIAL_ORDS.includes(ord)).sort((a, b) => a - b);
      expect(normal, raceLabel).toEqual(Array.from({ length: normal.length }, (_, i) => i + 1));
      expect(
        ords.every((ord) => ord < 90 || SPECIAL_ORDS.includes(ord)),
        raceLabel,
      ).toBe(true);

      const hhmm = String(plan.schStTime);
      for (const entry of entries.filter((item) => item.rcNo === rcNo))
        expect(entry.stTime).toBe(`출발 :${hhmm.slice(0, 2)}:${hhmm.slice(2)}`);

      const winner = rows.find((row) => row.ord === 1);
      const win = dividends.filter((item) => item.rcNo === rcNo && item.pool === 'WIN');
      expect(win, raceLabel).toEqual([expect.objectContaining({ chulNo: winner?.chulNo, odds: winner?.winOdds })]);
      const places = dividends.filter((item) => item.rcNo === rcNo && item.pool === 'PLC');
      expect(
        places.map((item) => [item.chulNo, item.odds]),
        raceLabel,
      ).toEqual([1, 2, 3].map((ord) => rows.find((row) => row.ord === ord)).map((row) => [row?.chulNo, row?.plcOdds]));

      const scratched = rows.filter((row) => row.ord === 95);
      expect(
        scratched.every((row) => row.winOdds === 0),
        raceLabel,
      ).toBe(true);
      expect(
        rows.filter((row) => row.winOdds === 0),
        raceLabel,
      ).toEqual(scratched);
      expect(
        scratches.filter((item) => item.rcNo === rcNo).map((item) => [item.chulNo, item.hrNo, item.hrName]),
        raceLabel,
      ).toEqual(scratched.map((row) => [row.chulNo, row.hrNo, row.hrName]).sort((a, b) => Number(a[0]) - Number(b[0])));
      // API299: one row per runner, the same runners and results as API214_1.
      const totalKey = (row: RawItem): string =>
        [row.chulNo, row.hrNo, row.jkNo, row.trNo, row.ord, row.rcTime, row.wgHr].join('|');
      expect(totals.filter((item) => item.rcNo === rcNo).map(totalKey), raceLabel).toEqual(rows.map(totalKey));
    }

    for (const row of results) {
      expect(items(target, 'API8_2', { hr_no: String(row.hrNo) }), `horse ${row.hrNo}`).toEqual([
        expect.objectContaining({ hrName: row.hrName, trNo: row.trNo, owNo: row.owNo }),
      ]);
      expect(items(target, 'API12_1', { jk_no: String(row.jkNo) }), `jockey ${row.jkNo}`).toEqual([
        expect.objectContaining({ jkName: row.jkName }),
      ]);
      expect(items(target, 'API19_1', { tr_no: String(row.trNo) }), `trainer ${row.trNo}`).toEqual([
        expect.objectContaining({ trName: row.trName }),
      ]);
    }
  }

  it('should agree between entry sheet, results, scratches, dividends, totals and master data on 30 random race days', () => {
    for (const { rcDate, meet } of randomRaceDays(30)) checkRaceDay(world, rcDate, meet);
  });

  it('should produce scratches, disqualifications and pulled-up horses somewhere in a season', () => {
    const ords = randomRaceDays(60).flatMap(({ rcDate, meet }) =>
      world.raceDay(rcDate, meet).races.flatMap((race) => race.rows.map((row) => row.ord)),
    );
    expect(ords).toContain(95);
    expect(ords).toContain(91);
    expect(ords).toContain(92);
  });

  it('should weave the captured race into its race day consistently, with 11 runners', () => {
    const withFixtures = new KraWorld(SEED, loadFixtures(SEED, defaultFixturesDir()));
    checkRaceDay(withFixtures, FIXTURE_RACE.rcDate, FIXTURE_RACE.meet);
    const race = withFixtures.race(FIXTURE_RACE.rcDate, FIXTURE_RACE.meet, FIXTURE_RACE.rcNo);
    expect(race?.rows.slice(0, 10)).toEqual(fixtureRows());
    expect(race?.rows).toHaveLength(11);
  });
});

describe('API299 as the gateway serves it', () => {
  const world = new KraWorld(SEED, noFixtures());
  const capture = (
    JSON.parse(readFileSync(join(defaultFixturesDir(), 'API299-meet1-20250503-page1.json'), 'utf8')) as {
      response: { body: { items: { item: Row[] } } };
    }
  ).response.body.items.item;
  const typesOf = (row: Row): Record<string, string> =>
    Object.fromEntries(Object.entries(row).map(([field, value]) => [field, typeof value]));

  it('should answer one row per runner with exactly the 94 fields of the real capture, of the same types', () => {
    const rows = items(world, 'API299', { meet: '1', rc_date: '20250503' });
    const race1 = rows.filter((row) => row.rcNo === 1);
    expect(race1.length).toBe(world.race('20250503', 1, 1)?.rows.length);
    expect(Object.keys(capture[0])).toHaveLength(94);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(Object.keys(capture[0]));
      expect(typesOf(row)).toEqual(typesOf(capture[0]));
    }
    expect(race1[0]).toMatchObject({
      finalBit: 1,
      noraceFlag: 0,
      meet: '서울',
      ord: 1,
      prdName: expect.stringMatching(/^(국산|외산)$/),
    });
  });

  it('should carry no result before the race: finalBit 0, no start, zero positions and times', () => {
    const plan = world.plans('20250503', 1)[0];
    const before = queryService(
      world,
      'API299',
      { meet: '1', rc_date: '20250503', rc_no: '1' },
      new Date(`2025-05-03T${plan.schStTime.slice(0, 2)}:${plan.schStTime.slice(2)}:00+09:00`),
    );
    if (before.kind !== 'items') throw new Error('error answer');
    expect(before.items.length).toBeGreaterThan(5);
    for (const row of before.items)
      expect(row).toMatchObject({ finalBit: 0, stTime: '-', ord: 0, rcTime: 0, seG1fAccTime: 0, track: '-' });
  });
});
