import type { RawItem } from '@app/kra-client';
import { readFixture } from '@app/kra-sandbox';
import { describe, expect, it } from 'vitest';
import { LegacyFileError, LegacyFileId, LegacyItem, readLegacyEnvelope } from './legacy-files';
import {
  canonicalLegacyRace,
  checkLegacyItems,
  legacyRaceRecords,
  legacySnapshotParts,
  legacySnapshotTakenAt,
} from './legacy-mapping';

const fixture = (name: string): string => readFixture(name);
const FILE: LegacyFileId = { date: '2025-05-23', meet: 3, raceNo: 1, kind: 'prerace' };
const KEY = { date: FILE.date, meet: FILE.meet, raceNo: FILE.raceNo };

/** The captured race as the old scripts' `_prerace` file: post-race fields reset, odds left. */
function preraceItems(): LegacyItem[] {
  return readLegacyEnvelope(fixture('API214_1-meet3-20250523-race1.json')).map((item) => ({
    ...item,
    ord: 0,
    rcTime: 0,
    diffUnit: '-',
    ordBigo: '-',
  }));
}

function detail(name: string): RawItem {
  const [item] = readLegacyEnvelope(fixture(name));
  return item as RawItem;
}

/** The captured race as an `_enriched` file: the captured horse (API8_2) and trainer (API19_1) on their runner. */
function enrichedItems(): LegacyItem[] {
  return preraceItems().map((item) =>
    item.hrNo === '0051228'
      ? { ...item, hrDetail: detail('API8_2-hr0051228.json'), jkDetail: {}, trDetail: detail('API19_1-tr070180.json') }
      : item,
  );
}

function reason(items: LegacyItem[], file: LegacyFileId = FILE): string {
  try {
    checkLegacyItems(items, file);
  } catch (error) {
    expect(error).toBeInstanceOf(LegacyFileError);
    return (error as LegacyFileError).reason;
  }
  throw new Error('no LegacyFileError');
}

describe(readLegacyEnvelope.name, () => {
  it('should read the runners of the captured API214_1 answer, and a single runner given as an object', () => {
    expect(readLegacyEnvelope(fixture('API214_1-meet3-20250523-race1.json'))).toHaveLength(10);
    expect(readLegacyEnvelope(fixture('API8_2-hr0051228.json'))).toEqual([
      expect.objectContaining({ hrNo: '0051228' }),
    ]);
  });

  it.each([
    ['', 'empty file (0 bytes)'],
    ['  \n', 'empty file (only whitespace)'],
    ['{"response": {"header"', 'not valid JSON: '],
    ['[1, 2]', 'not an API214_1 envelope: no "response" object'],
    [
      '{"response": {"header": {"resultCode": "03", "resultMsg": "NODATA_ERROR"}}}',
      'an error answer, not race data: resultCode "03" ("NODATA_ERROR")',
    ],
    ['{"response": {"body": {"items": ""}}}', 'no runners: "response.body.items" is empty'],
    ['{"response": {"body": {"items": {"item": []}}}}', 'no runners: "response.body.items.item" is empty'],
    ['{"response": {"body": {"items": {"item": [1]}}}}', 'item 1 is not an object'],
    ['{"response": {"body": {}}}', 'not an API214_1 envelope: no "response.body.items" object'],
  ])('should refuse %j', (text, message) => {
    expect(() => readLegacyEnvelope(text)).toThrow(LegacyFileError);
    expect(() => readLegacyEnvelope(text)).toThrow(message);
  });
});

describe(checkLegacyItems.name, () => {
  it('should accept the captured race, with its details, as a file of that race', () => {
    expect(checkLegacyItems(enrichedItems(), { ...FILE, kind: 'enriched' }).warnings).toEqual([]);
  });

  it('should fail the file, naming the field, the runner and the value, when it is not of the race its name gives', () => {
    const items = preraceItems();
    const gate = Number(items[2].chulNo);
    const edit = (change: Partial<LegacyItem>, index = 2): LegacyItem[] =>
      items.map((item, i) => (i === index ? { ...item, ...change } : item));
    expect(reason(edit({ chulNo: items[0].chulNo }))).toBe(`chulNo ${Number(items[0].chulNo)} appears more than once`);
    expect(reason(edit({ rcDate: 20250524 }))).toBe(
      `rcDate 20250524 of chulNo ${gate} does not match the file name (20250523)`,
    );
    expect(reason(edit({ meet: '서울' }))).toBe(`meet "서울" of chulNo ${gate} does not match the file name (meet 3)`);
    expect(reason(edit({ rcNo: 2 }))).toBe(`rcNo 2 of chulNo ${gate} does not match the file name (race 1)`);
    expect(reason(items.map((item) => ({ ...item, hrNo: '-' })))).toMatch(
      /^no runner can be imported: hrNo runner left out: no horse number/,
    );
  });

  it('should warn on an odd runner, naming the gate, the field and the value, and import the rest of it', () => {
    const items = preraceItems();
    const gate = Number(items[2].chulNo);
    const check = (change: Partial<LegacyItem>): { items: LegacyItem[]; warnings: unknown[] } =>
      checkLegacyItems(
        items.map((item, i) => (i === 2 ? { ...item, ...change } : item)),
        FILE,
      );
    const warned = (change: Partial<LegacyItem>): unknown[] => check(change).warnings;
    expect(warned({ wgBudam: 'abc' })).toEqual([
      { chulNo: gate, field: 'wgBudam', value: 'abc', reason: 'is not a number' },
    ]);
    expect(check({ wgBudam: 'abc' }).items[2]).toMatchObject({ wgBudam: null, hrNo: items[2].hrNo });
    expect(warned({ age: 3.5 })).toEqual([{ chulNo: gate, field: 'age', value: 3.5, reason: 'is not a whole number' }]);
    expect(warned({ wgHr: 'heavy' })).toEqual([
      { chulNo: gate, field: 'wgHr', value: 'heavy', reason: 'is not a body weight such as "511(+2)"' },
    ]);
    expect(warned({ chulNo: undefined })).toEqual([
      { chulNo: null, field: 'chulNo', value: null, reason: 'item 3 left out: no gate number' },
    ]);
    expect(check({ chulNo: 'x' }).items).toHaveLength(items.length - 1);
    expect(warned({ hrNo: '-' })).toEqual([
      { chulNo: gate, field: 'hrNo', value: '-', reason: 'runner left out: no horse number' },
    ]);
    expect(warned({ jkName: '' })).toEqual([
      {
        chulNo: gate,
        field: 'jkName',
        value: '',
        reason: `is missing (jkNo ${JSON.stringify(items[2].jkNo)}): the jockey is left out`,
      },
    ]);
    expect(warned({ hrDetail: { hrNo: '0000001', rcCntT: 3 } })).toEqual([
      {
        chulNo: gate,
        field: 'hrDetail.hrNo',
        value: '0000001',
        reason: `is not the runner's horse (${items[2].hrNo as string}): hrDetail left out`,
      },
    ]);
    expect(warned({ jkDetail: { rcCntT: 'many' } })).toEqual([
      { chulNo: gate, field: 'jkDetail.rcCntT', value: 'many', reason: 'is not a number' },
    ]);
    expect(warned({ trDetail: 'x' as never })).toEqual([
      {
        chulNo: gate,
        field: 'trDetail',
        value: 'x',
        reason: `trDetail of chulNo ${gate} is not an object: "x": left out`,
      },
    ]);
  });

  it('should read every body weight form of real files without a warning: "511(+2)", "461()" and "0()"', () => {
    const items: LegacyItem[] = preraceItems().map((item) => ({
      ...item,
      wgHr: ['511(+2)', '461()', '0()', '0', '-'][(Number(item.chulNo) - 1) % 5],
    }));
    const checked = checkLegacyItems(items, FILE);
    expect(checked.warnings).toEqual([]);
    const read = legacyRaceRecords(KEY, { prerace: checked.items }).runners.map(
      ({ entry, bodyWeightKg, bodyWeightChange }) => [entry.gateNo, bodyWeightKg, bodyWeightChange],
    );
    const expected: Record<string, [number | null, number | null]> = {
      '511(+2)': [511, 2],
      '461()': [461, null],
      '0()': [null, null],
      '0': [null, null],
      '-': [null, null],
    };
    expect(read).toEqual(
      items
        .map((item: LegacyItem) => [Number(item.chulNo), ...expected[item.wgHr as string]])
        .sort((x, y) => Number(x[0]) - Number(y[0])),
    );
  });

  it('should accept "none" markers and numbers written as strings', () => {
    const items = preraceItems().map((item) => ({
      ...item,
      rating: '-',
      wgHr: '',
      ilsu: '12',
      wgBudam: '57.5',
      chulNo: String(item.chulNo as number),
    }));
    expect(checkLegacyItems(items, FILE).warnings).toEqual([]);
  });

  it('should not look at post-race fields at all', () => {
    expect(
      checkLegacyItems(
        preraceItems().map((item) => ({ ...item, ord: 'DNF', rcTime: 'x', winOdds: '?', buS1fOrd: 'y' })),
        FILE,
      ).warnings,
    ).toEqual([]);
  });
});

describe(legacyRaceRecords.name, () => {
  it('should map the runners by gate with the engine’s normalisers, body weight included, and no post-race value', () => {
    const race = legacyRaceRecords(KEY, { prerace: preraceItems() });
    expect(race.runners.map((runner) => runner.entry.gateNo)).toEqual(
      [...race.runners.map((runner) => runner.entry.gateNo)].sort((a, b) => (a ?? 0) - (b ?? 0)),
    );
    const winner = race.runners.find((runner) => runner.entry.gateNo === 10);
    expect(winner).toMatchObject({
      entry: {
        horse: { id: '0051228', name: '올라운드원' },
        jockey: { id: '080565' },
        owner: { id: '118011' },
        carriedWeightKg: 57,
        daysSinceLastStart: 39,
        equipment: '망사,반가지큰,승인편자+,혀끈-',
      },
      bodyWeightKg: 511,
      bodyWeightChange: 2,
      horse: null,
    });
    expect(race.card).toMatchObject({
      raceNo: 1,
      name: '일반',
      distanceM: 1200,
      raceClass: '국6등급',
      weightCondition: '별정A',
      prizes: [16_500_000, 6_600_000, 4_200_000, 1_500_000, 1_200_000],
      scheduledStart: null,
      hasEntries: true,
      sourceId: null,
    });
    expect(JSON.stringify(canonicalLegacyRace(race))).not.toMatch(/odds|"ord|rcTime|diffUnit|weather|track|sectional/i);
  });

  it('should take a runner from `_enriched` when both files have it, and its details as the details steps store them', () => {
    const race = legacyRaceRecords(KEY, { prerace: preraceItems(), enriched: enrichedItems() });
    const runner = race.runners.find((candidate) => candidate.entry.horse.id === '0051228');
    expect(runner?.horse).toMatchObject({
      id: '0051228',
      sire: { id: '0031261', name: '사이먼퓨어' },
      career: { starts: 2, wins: 1, seconds: 0, thirds: 0 },
      totalPrize: 18_750_000,
    });
    expect(runner?.jockey).toBeNull();
    expect(runner && legacySnapshotParts(runner)).toEqual({
      horse: {
        rating: 0,
        raceClass: '국5',
        career: { starts: 2, wins: 1, seconds: 0, thirds: 0 },
        thisYear: { starts: 2, wins: 1, seconds: 0, thirds: 0 },
        totalPrize: 18_750_000,
      },
      jockey: undefined,
      trainer: {
        career: { starts: 2684, wins: 323, seconds: 333, thirds: 308 },
        thisYear: { starts: 256, wins: 16, seconds: 30, thirds: 38 },
        winRatePercent: 12,
        placeRatePercent: 35,
      },
    });
    expect(race.runners.filter((candidate) => legacySnapshotParts(candidate) !== null)).toHaveLength(1);
  });

  it('should refuse files that disagree on the horse at a gate', () => {
    const enriched = enrichedItems().map((item) => (item.chulNo === 10 ? { ...item, hrNo: '0099999' } : item));
    expect(() => legacyRaceRecords(KEY, { prerace: preraceItems(), enriched })).toThrow(
      'the _prerace and _enriched files disagree on chulNo 10: horse 0051228 against 0099999',
    );
  });
});

describe(canonicalLegacyRace.name, () => {
  it('should give the same bytes for the same stored values, however the file writes them', () => {
    const regular = JSON.stringify(canonicalLegacyRace(legacyRaceRecords(KEY, { enriched: enrichedItems() })));
    // Numbers as strings, items in another order, keys in another order, post-race values changed.
    const irregular = enrichedItems()
      .reverse()
      .map((item) =>
        Object.fromEntries(
          Object.entries({ ...item, winOdds: 99, ord: 3 })
            .reverse()
            .map(([key, value]) => [key, typeof value === 'number' ? String(value) : value]),
        ),
      );
    expect(JSON.stringify(canonicalLegacyRace(legacyRaceRecords(KEY, { enriched: irregular })))).toBe(regular);
    // A stored value that changes changes it.
    const heavier = enrichedItems().map((item) => (item.chulNo === 10 ? { ...item, wgBudam: 58 } : item));
    expect(JSON.stringify(canonicalLegacyRace(legacyRaceRecords(KEY, { enriched: heavier })))).not.toBe(regular);
  });
});

describe(legacySnapshotTakenAt.name, () => {
  it('should take the scheduled start from the file, else the stored one, else the race day at 00:00 in Seoul', () => {
    const race = legacyRaceRecords(KEY, { prerace: preraceItems() });
    expect(legacySnapshotTakenAt(race, null).toISOString()).toBe('2025-05-22T15:00:00.000Z');
    expect(legacySnapshotTakenAt(race, new Date('2025-05-23T01:35:00Z')).toISOString()).toBe(
      '2025-05-23T01:35:00.000Z',
    );
    const timed = legacyRaceRecords(KEY, {
      prerace: preraceItems().map((item) => ({ ...item, stTime: '출발 :10:35' })),
    });
    expect(legacySnapshotTakenAt(timed, new Date('2025-05-23T02:00:00Z')).toISOString()).toBe(
      '2025-05-23T01:35:00.000Z',
    );
  });
});
