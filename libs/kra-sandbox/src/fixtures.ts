import type { RawValue } from '@app/kra-client';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HORSE_TOOLS, sortKeys } from './population';
import { Rng, round1 } from './random';
import { marginText, ResultRow } from './race-day';

/**
 * The captured real responses. Requests that match a capture get the file byte for byte; the
 * captured race also becomes part of the generated world (its race day, entry sheet, dividends
 * and master data are built around the captured runners), so every view of it agrees.
 */

export type FixtureFormat = 'json' | 'xml';
type RawItem = Record<string, RawValue>;

export const FIXTURE_RACE = { meet: 3, rcDate: '20250523', rcNo: 1 } as const;
export const FIXTURE_HORSE_NO = '0051228';
export const FIXTURE_JOCKEY_NO = '080405';
export const FIXTURE_TRAINER_NO = '070180';

export interface Fixtures {
  /** Verbatim bodies by file name. */
  files: Map<string, Buffer>;
  /** The captured race's runners: the ten captured rows plus the 11th the capture's totalCount promises. */
  raceRows: ResultRow[] | null;
  horse: RawItem | null;
  jockey: RawItem | null;
  trainer: RawItem | null;
}

export const FIXTURE_FILES = {
  raceResultJson: 'API214_1-meet3-20250523-race1.json',
  raceResultXml: 'API214_1-meet3-20250523-race1.xml',
  horseJson: 'API8_2-hr0051228.json',
  jockeyJson: 'API12_1-jk080405.json',
  trainerJson: 'API19_1-tr070180.json',
  trainerXml: 'API19_1-tr070180.xml',
} as const;

/** Where the captures live inside the repository (and the image), relative to its package.json. */
const FIXTURES_IN_PACKAGE = join('libs', 'kra-sandbox', 'fixtures');

/**
 * The folder of the captured responses: `libs/kra-sandbox/fixtures` of the package this code runs
 * from (sources under test, `dist/` when built, `/app` in the image), or `$KRA_FIXTURES_DIR`.
 */
export function defaultFixturesDir(): string {
  if (process.env.KRA_FIXTURES_DIR) return process.env.KRA_FIXTURES_DIR;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, FIXTURES_IN_PACKAGE);
    if (dirname(dir) === dir) throw new Error(`No package.json above ${__dirname}: cannot find the KRA fixtures`);
  }
}

/** The text of one captured response; a missing capture is an error. */
export function readFixture(name: string, dir = defaultFixturesDir()): string {
  return readFileSync(join(dir, name), 'utf8');
}

export function noFixtures(): Fixtures {
  return { files: new Map(), raceRows: null, horse: null, jockey: null, trainer: null };
}

interface Envelope {
  response: { body: { items: { item: RawItem | RawItem[] } | ''; totalCount: number } };
}

function itemsOf(json: Buffer): RawItem[] {
  const items = (JSON.parse(json.toString('utf8')) as Envelope).response.body.items;
  if (items === '') return [];
  return Array.isArray(items.item) ? items.item : [items.item];
}

/**
 * Reads every capture of the fixtures directory. A missing directory or file is an error: the
 * sandbox never silently falls back to generated data (ask for that with `fixturesDir: null`).
 */
export function loadFixtures(seed: string, dir: string): Fixtures {
  const fixtures = noFixtures();
  for (const name of Object.values(FIXTURE_FILES)) {
    const path = join(dir, name);
    if (!existsSync(path)) throw new Error(`KRA fixture missing: ${path}`);
    fixtures.files.set(name, readFileSync(path));
  }
  const raceJson = fixtures.files.get(FIXTURE_FILES.raceResultJson);
  if (raceJson) {
    const rows = itemsOf(raceJson);
    fixtures.raceRows = [...rows, eleventhRunner(seed, rows)];
  }
  const single = (name: string): RawItem | null => {
    const file = fixtures.files.get(name);
    return file ? (itemsOf(file)[0] ?? null) : null;
  };
  fixtures.horse = single(FIXTURE_FILES.horseJson);
  fixtures.jockey = single(FIXTURE_FILES.jockeyJson);
  fixtures.trainer = single(FIXTURE_FILES.trainerJson);
  return fixtures;
}

const RACE_LEVEL_FIELDS = [
  'age',
  'ageCond',
  'budam',
  'buga1',
  'buga2',
  'buga3',
  'chaksun1',
  'chaksun2',
  'chaksun3',
  'chaksun4',
  'chaksun5',
  'ilsu',
  'meet',
  'name',
  'prizeCond',
  'rank',
  'rankRise',
  'rating',
  'rcDate',
  'rcDay',
  'rcDist',
  'rcName',
  'rcNo',
  'track',
  'weather',
  'wgBudamBigo',
];

/**
 * The runner the capture's totalCount (11) promises but page 1 did not show: it finished last, at
 * a gate the others do not use, with every sectional position the only one still free.
 */
export function eleventhRunner(seed: string, rows: RawItem[]): ResultRow {
  const rng = new Rng(seed, 'fixture-eleventh-runner');
  const first = rows[0];
  const row: ResultRow = Object.fromEntries(
    Object.keys(first).map((key) => [key, typeof first[key] === 'number' ? 0 : '-']),
  );
  for (const field of RACE_LEVEL_FIELDS) row[field] = first[field];

  const total = rows.length + 1;
  const usedGates = new Set(rows.map((r) => Number(r.chulNo)));
  const lastRow = rows.reduce((slowest, r) => (Number(r.rcTime) > Number(slowest.rcTime) ? r : slowest), first);
  const rcTime = round1(Number(lastRow.rcTime) + rng.float(0.4, 1.2));
  Object.assign(row, {
    chulNo: Array.from({ length: total }, (_, i) => i + 1).find((gate) => !usedGates.has(gate)) ?? total,
    birthday: 20220000 + rng.int(3, 5) * 100 + rng.int(1, 28),
    hrName: '바다의별빛',
    hrNo: '0051999',
    hrTool: rng.shuffle(HORSE_TOOLS).slice(0, 2).sort().join(','),
    jkName: '한민우',
    jkNo: '080599',
    owName: '박승철',
    owNo: 119023,
    sex: '수',
    trName: '백광열',
    trNo: '070199',
    wgBudam: 57,
    wgHr: `${rng.int(450, 500)}(${rng.pick(['+', '-'])}${rng.int(1, 9)})`,
    wgJk: 0,
    ord: total,
    ordBigo: '-',
    diffUnit: marginText(rcTime - Number(lastRow.rcTime)),
    rcTime,
    winOdds: round1(Math.max(...rows.map((r) => Number(r.winOdds))) + rng.float(10, 40)),
    plcOdds: round1(Math.max(...rows.map((r) => Number(r.plcOdds))) + rng.float(2, 8)),
  });
  fillFreeSectionals(row, rows, total);
  return sortKeys(row);
}

/** Each sectional position field gets the one position 1..n no captured runner holds; times fit between neighbours. */
function fillFreeSectionals(row: ResultRow, rows: RawItem[], total: number): void {
  const pairs: [string, string][] = [
    ['buS1fOrd', 'buS1fAccTime'],
    ['buG1fOrd', 'buG1fAccTime'],
    ['buG2fOrd', 'buG2fAccTime'],
    ['buG3fOrd', 'buG3fAccTime'],
    ['buG4fOrd', 'buG4fAccTime'],
    ['buG6fOrd', 'buG6fAccTime'],
    ['buG8fOrd', 'buG8fAccTime'],
  ];
  for (const [ordField, timeField] of pairs) {
    if (rows.every((r) => r[ordField] === 0)) continue; // a point before the start: stays 0
    const taken = new Set(rows.map((r) => Number(r[ordField])));
    const free = Array.from({ length: total }, (_, i) => i + 1).find((position) => !taken.has(position)) ?? total;
    const timeOf = (position: number): number | undefined => {
      const holder = rows.find((r) => Number(r[ordField]) === position);
      return holder ? Number(holder[timeField]) : undefined;
    };
    const before = timeOf(free - 1);
    const after = timeOf(free + 1);
    row[ordField] = free;
    row[timeField] = round1(
      before !== undefined && after !== undefined
        ? (before + after) / 2
        : (before ?? after ?? 0) + (before !== undefined ? 0.1 : -0.1),
    );
  }
  const rcTime = Number(row.rcTime);
  const acc = (field: string): number => Number(row[field]);
  const splits: Record<string, number> = {
    buS1fTime: acc('buS1fAccTime'),
    bu_1fGTime: rcTime - acc('buG1fAccTime'),
    bu_2fGTime: rcTime - acc('buG2fAccTime'),
    bu_3fGTime: rcTime - acc('buG3fAccTime'),
    bu_4_2fTime: acc('buG2fAccTime') - acc('buG4fAccTime'),
    bu_6_4fTime: acc('buG4fAccTime') - acc('buG6fAccTime'),
    bu_8_6fTime: acc('buG6fAccTime') - acc('buG8fAccTime'),
  };
  // Only the splits the captured race has (the others lie before its start and stay 0).
  for (const [field, value] of Object.entries(splits)) {
    if (rows.some((r) => r[field] !== 0)) row[field] = round1(value);
  }
}

/**
 * The capture a request should get verbatim, if any. Master captures match on their id (any page
 * size: the body does not depend on it); the race capture only on page 1 of 10 rows, since other
 * page sizes differ from it (page 2 shows the 11th runner, 11+ rows show all of them).
 */
export function matchFixture(
  service: string,
  query: Record<string, string>,
  format: FixtureFormat,
  pageNo: number,
  numOfRows: number,
): string | null {
  const meetIs = (meet: string): boolean => query.meet === undefined || query.meet === '' || query.meet === meet;
  if (pageNo !== 1) return null;
  switch (service) {
    case 'API214_1': {
      const sameRace =
        query.meet === String(FIXTURE_RACE.meet) &&
        query.rc_date === FIXTURE_RACE.rcDate &&
        query.rc_no === String(FIXTURE_RACE.rcNo);
      if (!sameRace || numOfRows !== 10) return null;
      return format === 'json' ? FIXTURE_FILES.raceResultJson : FIXTURE_FILES.raceResultXml;
    }
    case 'API8_2':
      return format === 'json' && query.hr_no === FIXTURE_HORSE_NO && meetIs('3') && !query.hr_name
        ? FIXTURE_FILES.horseJson
        : null;
    case 'API12_1':
      return format === 'json' && query.jk_no === FIXTURE_JOCKEY_NO && meetIs('1') && !query.jk_name
        ? FIXTURE_FILES.jockeyJson
        : null;
    case 'API19_1':
      if (query.tr_no !== FIXTURE_TRAINER_NO || !meetIs('3') || query.tr_name) return null;
      return format === 'json' ? FIXTURE_FILES.trainerJson : FIXTURE_FILES.trainerXml;
    default:
      return null;
  }
}
