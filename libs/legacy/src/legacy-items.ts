import { KST_OFFSET_MS, koreanWeekday } from '@app/calendar';
import type { EntryFields, RaceCardFields } from '@app/collection';
import { RawItem, RawValue, SECTIONAL_FIELDS } from '@app/kra-client';
import type { LegacyItem, LegacyKind } from './legacy-files';

/**
 * Stored race data → the items of a legacy file: the inverse of the KRA normalisers. Every stored
 * pre-race value is written under the API214_1 (runner) or API8_2 / API12_1 / API19_1 (detail)
 * field name and in the value form the gateway uses, so that `toEntry`, `toRacePlan`,
 * `toRaceResult`, `toHorse`, `toJockey` and `toTrainer` read back exactly the stored value:
 * numbers as numbers, dates as YYYYMMDD numbers, identifiers as strings (the owner number, like the
 * gateway's, as a number), and "-" for a value we do not hold.
 */

/** A race's card as stored (`races`); nothing observed at or after the start. */
export interface LegacyRaceCard extends RaceCardFields {
  /** YYYY-MM-DD */
  date: string;
  meet: number;
  scheduledStart: Date | null;
}

export interface LegacyRef {
  no: string | null;
  name: string | null;
}

/** Master data of a horse as stored (`horses`): who it is, not its figures (those come from the snapshot). */
export interface LegacyHorseMaster {
  meet: number | null;
  sex: string | null;
  /** YYYY-MM-DD */
  birthDate: string | null;
  origin: string | null;
  sire: LegacyRef;
  dam: LegacyRef;
  owner: LegacyRef;
  trainer: LegacyRef;
}

export interface LegacyJockeyMaster {
  meet: number | null;
  birthDate: string | null;
  debutDate: string | null;
  affiliation: string | null;
  weightKg: number | null;
}

export interface LegacyTrainerMaster {
  meet: number | null;
  birthDate: string | null;
  licensedSince: string | null;
  stable: string | null;
}

/** The parts of an entry's pre-race snapshot (`entry_snapshots`), as the collector wrote them. */
export interface LegacySnapshot {
  horse: Record<string, unknown> | null;
  jockey: Record<string, unknown> | null;
  trainer: Record<string, unknown> | null;
}

/** One runner as stored: the entry (`entries`), its people, their master data and the entry's snapshot. */
export interface LegacyRunner extends EntryFields {
  gateNo: number;
  horse: LegacyRef;
  jockey: LegacyRef;
  trainer: LegacyRef;
  owner: LegacyRef;
  horseMaster: LegacyHorseMaster;
  jockeyMaster: LegacyJockeyMaster | null;
  trainerMaster: LegacyTrainerMaster | null;
  snapshot: LegacySnapshot;
}

/** "-" is the gateway's "none": `text0` and `num` read it back as null. */
const NONE = '-';

/** How the race services (API214_1) name a meet: "부경" for Busan, as the fixture does. */
const RACE_MEET_NAMES: Readonly<Record<number, string>> = { 1: '서울', 2: '제주', 3: '부경', 4: '영천' };
/** How the master services (API8_2, API12_1, API19_1) name a meet. */
const MASTER_MEET_NAMES: Readonly<Record<number, string>> = { 1: '서울', 2: '제주', 3: '부산경남', 4: '영천' };

/**
 * API214_1 fields that only a run race fills: positions, times, margins, sectionals of every track.
 * A legacy item holds them reset, as the old scripts wrote `_prerace` files: 0, or "-" for text.
 * `winOdds` and `plcOdds` are left out instead (0 would read as "scratched"), and so are no
 * observed `track` and `weather` ("-").
 */
export const LEGACY_RESET_FIELDS: Readonly<Record<string, RawValue>> = {
  ord: 0,
  ordBigo: NONE,
  diffUnit: NONE,
  rankRise: 0,
  rcTime: 0,
  track: NONE,
  weather: NONE,
  ...Object.fromEntries(SECTIONAL_FIELDS.map((field) => [field, 0])),
};

/** Final odds: never in a legacy file. */
export const LEGACY_OMITTED_FIELDS = ['winOdds', 'plcOdds'] as const;

/** API214_1 fields we do not store, with the gateway's neutral value. */
const UNSTORED_RUNNER_FIELDS: Readonly<Record<string, RawValue>> = {
  buga1: 0,
  buga2: 0,
  buga3: 0,
  wgBudamBigo: NONE,
  wgJk: 0,
};

function text(value: string | null | undefined): RawValue {
  return value ?? NONE;
}

function number(value: number | null | undefined): RawValue {
  return value ?? NONE;
}

/** YYYY-MM-DD → 20250523, as the gateway writes dates. */
function dateNumber(value: string | null): RawValue {
  return value === null ? NONE : Number(value.replaceAll('-', ''));
}

/** Codes the gateway sends as JSON numbers (owner numbers, trainer stables): a number when that loses nothing. */
function numericCode(value: string | null): RawValue {
  if (value === null) return NONE;
  return /^(0|[1-9]\d{0,14})$/.test(value) ? Number(value) : value;
}

/** "511(+2)": body weight in kg, change since the last start. */
function bodyWeightText(kg: number | null, change: number | null): RawValue {
  if (kg === null) return NONE;
  if (change === null) return String(kg);
  return `${kg}(${change > 0 ? '+' : ''}${change})`;
}

/** The scheduled start in the entry sheet's form ("출발 :10:35", Asia/Seoul); full ISO if it has seconds. */
function startText(start: Date | null): RawValue {
  if (start === null) return NONE;
  const kst = new Date(start.getTime() + KST_OFFSET_MS).toISOString();
  return kst.slice(17, 19) === '00' && kst.slice(20, 23) === '000'
    ? `출발 :${kst.slice(11, 16)}`
    : `${kst.slice(0, 19)}+09:00`;
}

function meetName(names: Readonly<Record<number, string>>, meet: number | null): RawValue {
  return meet === null ? NONE : (names[meet] ?? String(meet));
}

/** Keys in the gateway's order: a plain code-unit sort, as the API214_1 fixture has them. */
function sorted<T extends Record<string, unknown>>(record: T): T {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) as T;
}

function figure(part: Record<string, unknown> | null, ...path: string[]): RawValue {
  let value: unknown = part;
  for (const key of path)
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return typeof value === 'number' ? value : typeof value === 'string' && value !== '' ? value : NONE;
}

/** Career figures of a snapshot part under the API's names: totals (T) and this year (Y). */
function careerFields(part: Record<string, unknown> | null): Record<string, RawValue> {
  const fields: Record<string, RawValue> = {};
  for (const [period, key] of [
    ['T', 'career'],
    ['Y', 'thisYear'],
  ] as const) {
    fields[`rcCnt${period}`] = figure(part, key, 'starts');
    fields[`ord1Cnt${period}`] = figure(part, key, 'wins');
    fields[`ord2Cnt${period}`] = figure(part, key, 'seconds');
    fields[`ord3Cnt${period}`] = figure(part, key, 'thirds');
  }
  return fields;
}

/** The race card and the runner under API214_1 names, post-race fields reset; sexCond (API72_2) and stTime (API26_2) added. */
export function legacyRunnerItem(card: LegacyRaceCard, runner: LegacyRunner): RawItem {
  const prize = (place: number): RawValue => card.prizes[place - 1] ?? 0;
  return sorted({
    ...LEGACY_RESET_FIELDS,
    ...UNSTORED_RUNNER_FIELDS,
    meet: meetName(RACE_MEET_NAMES, card.meet),
    rcDate: dateNumber(card.date),
    rcDay: koreanWeekday(card.date.replaceAll('-', '')),
    rcNo: card.raceNo,
    rcName: text(card.name),
    rcDist: number(card.distanceM),
    rank: text(card.raceClass),
    ageCond: text(card.ageCondition),
    sexCond: text(card.sexCondition),
    budam: text(card.weightCondition),
    prizeCond: text(card.prizeCondition),
    chaksun1: prize(1),
    chaksun2: prize(2),
    chaksun3: prize(3),
    chaksun4: prize(4),
    chaksun5: prize(5),
    stTime: startText(card.scheduledStart),
    chulNo: runner.gateNo,
    hrNo: text(runner.horse.no),
    hrName: text(runner.horse.name),
    jkNo: text(runner.jockey.no),
    jkName: text(runner.jockey.name),
    trNo: text(runner.trainer.no),
    trName: text(runner.trainer.name),
    owNo: numericCode(runner.owner.no),
    owName: text(runner.owner.name),
    age: number(runner.age),
    sex: text(runner.sex),
    name: text(runner.origin),
    birthday: dateNumber(runner.horseMaster.birthDate),
    wgBudam: number(runner.carriedWeightKg),
    wgHr: bodyWeightText(runner.bodyWeightKg, runner.bodyWeightChange),
    rating: number(runner.rating),
    hrTool: text(runner.equipment),
    ilsu: number(runner.daysSinceLastStart),
  });
}

/** API8_2: who the horse is from its master row, its figures (rating, class, career, prize) from the entry's snapshot. */
export function legacyHorseDetail(runner: LegacyRunner): RawItem | Record<string, never> {
  const part = runner.snapshot.horse;
  if (!part) return {};
  const master = runner.horseMaster;
  return sorted({
    hrNo: text(runner.horse.no),
    hrName: text(runner.horse.name),
    meet: meetName(MASTER_MEET_NAMES, master.meet),
    sex: text(master.sex),
    birthday: dateNumber(master.birthDate),
    name: text(master.origin),
    faHrNo: text(master.sire.no),
    faHrName: text(master.sire.name),
    moHrNo: text(master.dam.no),
    moHrName: text(master.dam.name),
    owNo: numericCode(master.owner.no),
    owName: text(master.owner.name),
    trNo: text(master.trainer.no),
    trName: text(master.trainer.name),
    rank: figure(part, 'raceClass'),
    rating: figure(part, 'rating'),
    chaksunT: figure(part, 'totalPrize'),
    hrLastAmt: NONE,
    ...careerFields(part),
  });
}

/** API12_1: the jockey's master row and the entry's snapshot of their career. */
export function legacyJockeyDetail(runner: LegacyRunner): RawItem | Record<string, never> {
  const part = runner.snapshot.jockey;
  const master = runner.jockeyMaster;
  if (!part || !master) return {};
  return sorted({
    jkNo: text(runner.jockey.no),
    jkName: text(runner.jockey.name),
    meet: meetName(MASTER_MEET_NAMES, master.meet),
    age: NONE,
    birthday: dateNumber(master.birthDate),
    debut: dateNumber(master.debutDate),
    part: text(master.affiliation),
    spDate: NONE,
    wgPart: number(master.weightKg),
    wgOther: NONE,
    ...careerFields(part),
  });
}

/** API19_1: the trainer's master row and the entry's snapshot of their career and rates (%). */
export function legacyTrainerDetail(runner: LegacyRunner): RawItem | Record<string, never> {
  const part = runner.snapshot.trainer;
  const master = runner.trainerMaster;
  if (!part || !master) return {};
  return sorted({
    trNo: text(runner.trainer.no),
    trName: text(runner.trainer.name),
    meet: meetName(MASTER_MEET_NAMES, master.meet),
    age: NONE,
    birthday: dateNumber(master.birthDate),
    stDate: dateNumber(master.licensedSince),
    part: numericCode(master.stable),
    winRateT: figure(part, 'winRatePercent'),
    plcRateT: figure(part, 'placeRatePercent'),
    winRateY: NONE,
    plcRateY: NONE,
    qnlRateT: NONE,
    qnlRateY: NONE,
    ...careerFields(part),
  });
}

/** Whether any runner has a snapshot to enrich with: only then is an `_enriched` file written. */
export function hasLegacyDetails(runners: LegacyRunner[]): boolean {
  return runners.some(
    (runner) => runner.snapshot.horse !== null || runner.snapshot.jockey !== null || runner.snapshot.trainer !== null,
  );
}

/**
 * The items of a race's legacy file: one per runner given (the caller leaves out scratched
 * runners), by gate. `enriched` adds hrDetail, jkDetail and trDetail; a runner whose snapshot
 * lacks a part gets `{}` for it.
 */
export function legacyItems(card: LegacyRaceCard, runners: LegacyRunner[], kind: LegacyKind): LegacyItem[] {
  return [...runners]
    .sort((a, b) => a.gateNo - b.gateNo)
    .map((runner) => {
      const item = legacyRunnerItem(card, runner);
      if (kind === 'prerace') return item;
      return sorted({
        ...item,
        hrDetail: legacyHorseDetail(runner),
        jkDetail: legacyJockeyDetail(runner),
        trDetail: legacyTrainerDetail(runner),
      });
    });
}
