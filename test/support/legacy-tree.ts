// Legacy file trees built from sandbox data, as the old collection scripts wrote them. Used by the
// legacy import and export tests and by `npm run bench:import`, which loads this file with Node's
// type stripping: keep to erasable TypeScript and to runtime imports of `@app/*` and `node:*` only.
import type { KraWorld, ResultRow } from '@app/kra-sandbox';
import { scheduledMeets } from '@app/kra-sandbox';
import type { LegacyItem, LegacyKind } from '@app/legacy';

/** A runner of a legacy file as tests build it: API214_1 fields, and in `_enriched` files the detail blocks (or their irregular stand-ins). */
export type TreeItem = Record<string, unknown>;

/** A value of an item as the text it reads as (ids, names). */
export function itemText(value: unknown): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
}
import { legacyEnvelope, legacyFilePath, legacyFileText } from '@app/legacy';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** Sectional fields of every track (as the KRA normaliser names them). */
const SECTIONAL_FIELD = /^(bu|se|sj|je)(_|[A-Z])/;

export interface LegacyRaceRef {
  /** YYYY-MM-DD */
  date: string;
  meet: number;
  raceNo: number;
}

/**
 * A `_prerace` item as the old scripts wrote it from an API214_1 row: ord, rcTime and every sectional
 * 0, diffUnit and ordBigo "-"; everything else (the final odds and the observed track included) as it came.
 */
export function preraceItem(row: ResultRow): TreeItem {
  const item: TreeItem = { ...row };
  for (const field of Object.keys(item)) if (SECTIONAL_FIELD.test(field)) item[field] = 0;
  return { ...item, ord: 0, rcTime: 0, diffUnit: '-', ordBigo: '-' };
}

/** The `_prerace` items of a race: scratched runners (winOdds 0) dropped, in the rows' (finishing) order. */
export function preraceItems(rows: ResultRow[]): TreeItem[] {
  return rows.filter((row) => Number(row.winOdds) !== 0).map(preraceItem);
}

/** When the old scripts looked the details up: the race day, 00:00 Asia/Seoul. */
export function detailsAsOf(date: string): Date {
  return new Date(`${date}T00:00:00+09:00`);
}

/**
 * The `_enriched` items of a race: the `_prerace` items, each with the API8_2, API12_1 and API19_1
 * items the sandbox serves for its horse, jockey and trainer (`{}` for one it does not know).
 */
export function enrichedItems(world: KraWorld, rows: ResultRow[], asOf: Date): TreeItem[] {
  return preraceItems(rows).map((item) => ({
    ...item,
    hrDetail: world.masterItem('horse', itemText(item.hrNo), asOf) ?? {},
    jkDetail: world.masterItem('jockey', itemText(item.jkNo), asOf) ?? {},
    trDetail: world.masterItem('trainer', itemText(item.trNo), asOf) ?? {},
  }));
}

type Detail = Record<string, unknown>;

const pick = (from: Detail, fields: string[]): Detail =>
  Object.fromEntries(fields.filter((field) => from[field] !== undefined).map((field) => [field, from[field]]));
const COUNTS = ['rcCntT', 'ord1CntT', 'ord2CntT', 'ord3CntT', 'rcCntY', 'ord1CntY', 'ord2CntY', 'ord3CntY'];
/** A rate in percent as the old scripts wrote it: text with one decimal ("5.3"). */
const rateText = (wins: unknown, starts: unknown): string =>
  Number(starts) > 0 ? ((Number(wins) / Number(starts)) * 100).toFixed(1) : '0.0';

/**
 * The old scripts' compact detail objects (the key sets and types of the real `_enriched` files),
 * made from raw API8_2 / API12_1 / API19_1 items: no ids or names of their own (the runner row has
 * them); the horse's parents' ids as numbers, rates as text where the scripts wrote text.
 */
export function compactDetails(item: TreeItem): TreeItem {
  const horse = item.hrDetail as Detail;
  const jockey = item.jkDetail as Detail;
  const trainer = item.trDetail as Detail;
  const hrDetail = {
    ...pick(horse, ['faHrName', 'moHrName', ...COUNTS, 'chaksunT', 'rating', 'hrLastAmt']),
    faHrNo: Number(horse.faHrNo),
    moHrNo: horse.moHrNo,
    winRateT: rateText(horse.ord1CntT, horse.rcCntT),
    plcRateT: rateText(Number(horse.ord1CntT) + Number(horse.ord2CntT), horse.rcCntT),
    winRateY: Number(rateText(horse.ord1CntY, horse.rcCntY)),
  };
  const jkDetail = {
    ...pick(jockey, ['age', 'part', ...COUNTS]),
    birthday: Number(jockey.birthday),
    debut: Number(jockey.debut),
    winRateT: rateText(jockey.ord1CntT, jockey.rcCntT),
    plcRateT: rateText(Number(jockey.ord1CntT) + Number(jockey.ord2CntT), jockey.rcCntT),
    winRateY: rateText(jockey.ord1CntY, jockey.rcCntY),
  };
  const trDetail = pick(trainer, [
    'meet',
    'part',
    'stDate',
    ...COUNTS,
    'winRateT',
    'plcRateT',
    'qnlRateT',
    'winRateY',
    'plcRateY',
    'qnlRateY',
  ]);
  return { ...item, hrDetail, jkDetail, trDetail };
}

/** Writes one legacy file under `root` (items in the old scripts' envelope, or text as it is); returns its path. */
export async function writeLegacyFile(
  root: string,
  ref: LegacyRaceRef,
  kind: LegacyKind,
  content: TreeItem[] | string,
): Promise<string> {
  const path = join(root, legacyFilePath({ ...ref, kind }));
  await mkdir(dirname(path), { recursive: true });
  await writeFile(
    path,
    typeof content === 'string' ? content : legacyFileText(legacyEnvelope(content as LegacyItem[])),
  );
  return path;
}

export interface LegacyTreeOptions {
  /** First race day considered (YYYY-MM-DD); days follow on the sandbox's racing calendar. */
  from: string;
  /** Races to write (each a `_prerace` file, and an `_enriched` one unless `enriched` is false). */
  races: number;
  enriched?: boolean;
  meets?: number[];
}

export interface LegacyTreeSummary {
  races: number;
  files: number;
  /** Runners written (scratched runners are not in the files). */
  runners: number;
  /** Race days written, in order. */
  days: { date: string; meet: number }[];
  /** The last race day written. */
  last: string;
}

/**
 * Writes a legacy tree of `options.races` races from the sandbox, race day by race day from `from`
 * (the fixture day 2025-05-23 holds the captured race as its Busan race 1). Holds one race at a time.
 */
export async function writeLegacyTree(
  root: string,
  world: KraWorld,
  options: LegacyTreeOptions,
): Promise<LegacyTreeSummary> {
  const summary: LegacyTreeSummary = { races: 0, files: 0, runners: 0, days: [], last: options.from };
  const meets = options.meets ?? [1, 2, 3];
  for (
    let day = new Date(`${options.from}T00:00:00Z`);
    summary.races < options.races;
    day = new Date(day.getTime() + 86_400_000)
  ) {
    const date = day.toISOString().slice(0, 10);
    const compact = date.replaceAll('-', '');
    for (const meet of scheduledMeets(compact).filter((code) => meets.includes(code))) {
      if (summary.races >= options.races) break;
      summary.days.push({ date, meet });
      summary.last = date;
      for (const race of world.raceDay(compact, meet).races) {
        if (summary.races >= options.races) break;
        const ref = { date, meet, raceNo: race.plan.rcNo };
        const items = preraceItems(race.rows);
        await writeLegacyFile(root, ref, 'prerace', items);
        summary.files += 1;
        if (options.enriched !== false) {
          await writeLegacyFile(root, ref, 'enriched', enrichedItems(world, race.rows, detailsAsOf(date)));
          summary.files += 1;
        }
        summary.races += 1;
        summary.runners += items.length;
      }
    }
  }
  return summary;
}
