import { cardFrom, RaceCard, SnapshotParts } from '@app/collection';
import {
  bodyWeight,
  EntryRecord,
  HorseRecord,
  JockeyRecord,
  kraId,
  meetCode,
  num,
  PersonRef,
  RawItem,
  RawValue,
  raceDate,
  text0,
  toEntry,
  toHorse,
  toJockey,
  toRacePlan,
  toTrainer,
  TrainerRecord,
} from '@app/kra-client';
import { LegacyDetailField, LegacyFileError, LegacyFileId, LegacyItem, LegacyKind } from './legacy-files';

/**
 * Legacy item → the collection engine's records, for the importer. Pure: no I/O.
 *
 * Each item of a `_prerace` or `_enriched` file is an API214_1 row, read with the engine's own
 * normalisers, so imported rows are the rows the collector would write:
 *
 * | legacy field                                   | record (normaliser)                    | stored in                                  |
 * |------------------------------------------------|----------------------------------------|--------------------------------------------|
 * | rcDate, meet (name or code), rcNo              | race key (checked against the file name) | races.race_date, meet, race_no          |
 * | rcName, rcDist, rank, ageCond, sexCond, budam, prizeCond, chaksun1–5, stTime/schStTime | RaceCard (toRacePlan + cardFrom, first runner by gate) | races.* card columns |
 * | chulNo                                         | EntryRecord.gateNo (toEntry)           | entries.gate_no                            |
 * | hrNo/hrName, jkNo/jkName, trNo/trName, owNo/owName | PersonRef                          | entries.*_no; horses/jockeys/trainers/owners.name |
 * | age, sex, name, wgBudam, rating, hrTool, ilsu  | EntryRecord                            | entries.age, sex, origin, carried_weight_kg, rating, equipment, days_since_last_start |
 * | wgHr "511(+2)"                                 | bodyWeight()                           | entries.body_weight_kg, body_weight_change |
 * | hrDetail (API8_2)                              | HorseRecord (toHorse)                  | horses.*, entry_snapshots.horse            |
 * | jkDetail (API12_1)                             | JockeyRecord (toJockey)                | jockeys.*, entry_snapshots.jockey          |
 * | trDetail (API19_1)                             | TrainerRecord (toTrainer)              | trainers.*, entry_snapshots.trainer        |
 *
 * Never read (post-race, or not ours to store): ord, ordBigo, rankRise, diffUnit, rcTime, winOdds,
 * plcOdds, track, weather, every sectional (bu*, se*, sj*, je*), buga1–3, wgBudamBigo, wgJk, rcDay,
 * birthday of the runner row (the horse's comes from hrDetail); in the details the figures no column
 * holds (jockey and trainer age, the trainer's this-year and quinella rates, the horse's last sale price).
 */

/** The `service` of the upstream response a legacy import records as the source of its rows. */
export const LEGACY_SERVICE = 'legacy';

/** Fields of a legacy item that only a run race fills: never stored by the importer, never validated. */
export const LEGACY_POST_RACE_FIELDS: readonly string[] = ['ord', 'ordBigo', 'rankRise', 'diffUnit', 'rcTime', 'winOdds', 'plcOdds', 'track', 'weather'];

export interface LegacyRaceKey {
  /** YYYY-MM-DD */
  date: string;
  meet: number;
  raceNo: number;
}

/** One runner as the importer writes it: the entry, its body weight and its details (null when the file has none). */
export interface LegacyRunnerRecords {
  entry: EntryRecord;
  bodyWeightKg: number | null;
  bodyWeightChange: number | null;
  horse: HorseRecord | null;
  jockey: JockeyRecord | null;
  trainer: TrainerRecord | null;
}

/** One race as the importer writes it: the card (no source yet) and the runners by gate. */
export interface LegacyRaceRecords extends LegacyRaceKey {
  card: RaceCard;
  runners: LegacyRunnerRecords[];
}

type FieldKind = 'integer' | 'decimal' | 'date' | 'bodyWeight';

const CAREER_FIELDS: Record<string, FieldKind> = Object.fromEntries(
  ['rcCnt', 'ord1Cnt', 'ord2Cnt', 'ord3Cnt'].flatMap((field) => [`${field}T`, `${field}Y`]).map((field) => [field, 'integer']),
);

/** Stored fields that must read as numbers (or a "none" marker) when present; anything else fails the file. */
const RUNNER_FIELDS: Record<string, FieldKind> = {
  age: 'integer',
  wgBudam: 'decimal',
  wgHr: 'bodyWeight',
  rating: 'integer',
  rcDist: 'integer',
  ilsu: 'integer',
  chaksun1: 'integer',
  chaksun2: 'integer',
  chaksun3: 'integer',
  chaksun4: 'integer',
  chaksun5: 'integer',
};

const DETAIL_FIELDS: Record<LegacyDetailField, Record<string, FieldKind>> = {
  hrDetail: { birthday: 'date', rating: 'integer', chaksunT: 'integer', ...CAREER_FIELDS },
  jkDetail: { birthday: 'date', debut: 'date', wgPart: 'decimal', ...CAREER_FIELDS },
  trDetail: { birthday: 'date', stDate: 'date', winRateT: 'decimal', plcRateT: 'decimal', ...CAREER_FIELDS },
};

/** Each detail block's own id and name fields, and the runner's fields they must agree with. */
const DETAIL_IDENTITY: Record<LegacyDetailField, { id: string; name: string; kind: 'horse' | 'jockey' | 'trainer' }> = {
  hrDetail: { id: 'hrNo', name: 'hrName', kind: 'horse' },
  jkDetail: { id: 'jkNo', name: 'jkName', kind: 'jockey' },
  trDetail: { id: 'trNo', name: 'trName', kind: 'trainer' },
};

const PEOPLE = [
  { id: 'jkNo', name: 'jkName', kind: 'jockey' },
  { id: 'trNo', name: 'trName', kind: 'trainer' },
  { id: 'owNo', name: 'owName', kind: 'owner' },
] as const;

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/** Why a present value is not of its kind, or null when it is (or is a "none" marker). */
function badValue(kind: FieldKind, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'object') return 'is not a single value';
  const raw = value as RawValue;
  if (text0(raw) === null) return null;
  switch (kind) {
    case 'integer': {
      const number = num(raw);
      if (number === null) return 'is not a number';
      return Number.isInteger(number) ? null : 'is not a whole number';
    }
    case 'decimal':
      return num(raw) === null ? 'is not a number' : null;
    case 'date': {
      if (num(raw) === 0) return null;
      const date = raceDate(raw);
      if (date === null) return 'is not a date (YYYYMMDD)';
      return new Date(`${date}T00:00:00Z`).toISOString().startsWith(date) ? null : 'is not a calendar date';
    }
    case 'bodyWeight':
      return bodyWeight(raw).kg === null ? 'is not a body weight such as "511(+2)"' : null;
  }
}

function checkFields(record: Record<string, unknown>, fields: Record<string, FieldKind>, label: (field: string) => string): void {
  for (const [field, kind] of Object.entries(fields)) {
    const problem = badValue(kind, record[field]);
    if (problem) throw new LegacyFileError(`${label(field)} ${show(record[field])} ${problem}`);
  }
}

/** A detail block as given, or null when it is missing or empty; one-element arrays are unwrapped. */
function detailBlock(item: LegacyItem, field: LegacyDetailField, gate: number): Record<string, unknown> | null {
  let block: unknown = item[field];
  if (block === undefined || block === null || block === '' || block === '-') return null;
  if (Array.isArray(block)) {
    if (block.length > 1) throw new LegacyFileError(`${field} of chulNo ${gate} holds ${block.length} records, not one`);
    block = block[0];
    if (block === undefined) return null;
  }
  if (typeof block !== 'object' || block === null || Array.isArray(block)) throw new LegacyFileError(`${field} of chulNo ${gate} is not an object: ${show(block)}`);
  return Object.keys(block).length === 0 ? null : (block as Record<string, unknown>);
}

/**
 * Checks the items of one file against its name and the stored fields' types. Throws a
 * LegacyFileError naming the first problem: the field, the runner (chulNo) and the value.
 */
export function checkLegacyItems(items: LegacyItem[], file: LegacyFileId): void {
  const gates = new Set<number>();
  items.forEach((item, index) => {
    const gateProblem = badValue('integer', item.chulNo);
    const gate = num(item.chulNo as RawValue);
    if (gateProblem || gate === null || gate < 1) throw new LegacyFileError(`item ${index + 1}: chulNo ${gate === null && !gateProblem ? 'is missing' : `${show(item.chulNo)} is not a gate number`}`);
    if (gates.has(gate)) throw new LegacyFileError(`chulNo ${gate} appears more than once`);
    gates.add(gate);
    const of = `of chulNo ${gate}`;
    const date = raceDate(item.rcDate as RawValue);
    if (date !== file.date) throw new LegacyFileError(`rcDate ${show(item.rcDate)} ${of} does not match the file name (${file.date.replaceAll('-', '')})`);
    if (meetCode(item.meet as RawValue) !== file.meet) throw new LegacyFileError(`meet ${show(item.meet)} ${of} does not match the file name (meet ${file.meet})`);
    if (num(item.rcNo as RawValue) !== file.raceNo) throw new LegacyFileError(`rcNo ${show(item.rcNo)} ${of} does not match the file name (race ${file.raceNo})`);
    if (kraId(item.hrNo as RawValue, 'horse') === null) throw new LegacyFileError(`hrNo is missing ${of}`);
    if (text0(item.hrName as RawValue) === null) throw new LegacyFileError(`hrName is missing ${of} (hrNo ${show(item.hrNo)})`);
    for (const person of PEOPLE) {
      if (typeof item[person.id] === 'object' && item[person.id] !== null) throw new LegacyFileError(`${person.id} ${of} is not a single value`);
      if (kraId(item[person.id] as RawValue, person.kind) !== null && text0(item[person.name] as RawValue) === null) {
        throw new LegacyFileError(`${person.name} is missing ${of} (${person.id} ${show(item[person.id])})`);
      }
    }
    checkFields(item, RUNNER_FIELDS, (field) => `${field} ${of}:`);
    for (const field of Object.keys(DETAIL_FIELDS) as LegacyDetailField[]) {
      const block = detailBlock(item, field, gate);
      if (!block) continue;
      const identity = DETAIL_IDENTITY[field];
      const own = kraId(block[identity.id] as RawValue, identity.kind);
      const runner = kraId(item[identity.id] as RawValue, identity.kind);
      if (own !== null && own !== runner) throw new LegacyFileError(`${field}.${identity.id} ${show(block[identity.id])} ${of} is not the runner's ${identity.kind} (${runner ?? 'none'})`);
      if (own === null && runner === null) throw new LegacyFileError(`${field} ${of} names no ${identity.kind}: neither it nor the runner has ${identity.id}`);
      checkFields(block, DETAIL_FIELDS[field], (name) => `${field}.${name} ${of}:`);
    }
  });
}

/** A detail block with the runner's id and name filled in where the block leaves them out. */
function detailItem(item: LegacyItem, field: LegacyDetailField, gate: number): RawItem | null {
  const block = detailBlock(item, field, gate);
  if (!block) return null;
  const { id, name } = DETAIL_IDENTITY[field];
  const filled: Record<string, unknown> = { ...block };
  if (text0(filled[id] as RawValue) === null) filled[id] = item[id];
  if (text0(filled[name] as RawValue) === null) filled[name] = item[name];
  return filled as RawItem;
}

/** The records of one checked item. */
export function legacyRunnerRecords(item: LegacyItem): LegacyRunnerRecords {
  const entry = toEntry(item as RawItem);
  const gate = entry.gateNo as number;
  const weight = bodyWeight(item.wgHr as RawValue);
  const horse = detailItem(item, 'hrDetail', gate);
  const jockey = detailItem(item, 'jkDetail', gate);
  const trainer = detailItem(item, 'trDetail', gate);
  return {
    entry,
    bodyWeightKg: weight.kg,
    bodyWeightChange: weight.change,
    horse: horse && toHorse(horse),
    jockey: jockey && toJockey(jockey),
    trainer: trainer && toTrainer(trainer),
  };
}

/**
 * One race from its checked files: the runners of both, by gate. A runner in both files is taken
 * from `_enriched` (the same row plus its details); the two must agree on the horse at each gate.
 */
export function legacyRaceRecords(key: LegacyRaceKey, files: Partial<Record<LegacyKind, LegacyItem[]>>): LegacyRaceRecords {
  const byGate = new Map<number, LegacyItem>();
  for (const item of files.prerace ?? []) byGate.set(num(item.chulNo as RawValue) as number, item);
  for (const item of files.enriched ?? []) {
    const gate = num(item.chulNo as RawValue) as number;
    const prerace = byGate.get(gate);
    const [before, after] = [prerace && kraId(prerace.hrNo as RawValue, 'horse'), kraId(item.hrNo as RawValue, 'horse')];
    if (prerace && before !== after) throw new LegacyFileError(`the _prerace and _enriched files disagree on chulNo ${gate}: horse ${before} against ${after}`);
    byGate.set(gate, item);
  }
  const items = [...byGate.entries()].sort(([a], [b]) => a - b).map(([, item]) => item);
  if (items.length === 0) throw new LegacyFileError('no runners');
  const runners = items.map(legacyRunnerRecords);
  const entries = runners.map((runner) => runner.entry);
  return { ...key, card: cardFrom(toRacePlan(items[0] as RawItem), entries, key.raceNo, null), runners };
}

/** The upstream-response parameters of a legacy race: `{ race: "2025-05-23/3/1" }`. */
export function legacyResponseParams(key: LegacyRaceKey): Record<string, string> {
  return { race: `${key.date}/${key.meet}/${key.raceNo}` };
}

/** The pre-race snapshot parts of a runner, exactly as the collector's details step builds them; null without details. */
export function legacySnapshotParts(runner: LegacyRunnerRecords): SnapshotParts | null {
  const { horse, jockey, trainer } = runner;
  if (!horse && !jockey && !trainer) return null;
  return {
    horse: horse ? { rating: horse.rating, raceClass: horse.raceClass, career: horse.career, thisYear: horse.thisYear, totalPrize: horse.totalPrize } : undefined,
    jockey: jockey ? { career: jockey.career, thisYear: jockey.thisYear } : undefined,
    trainer: trainer
      ? { career: trainer.career, thisYear: trainer.thisYear, winRatePercent: trainer.winRatePercent, placeRatePercent: trainer.placeRatePercent }
      : undefined,
  };
}

/**
 * When a legacy snapshot counts as taken: the race's scheduled start (from the file, else as stored),
 * else the race date at 00:00 Asia/Seoul. Legacy files carry no collection time, so such a snapshot is
 * always marked as not taken before the start.
 */
export function legacySnapshotTakenAt(race: LegacyRaceRecords, storedStart: Date | null): Date {
  if (race.card.scheduledStart) return new Date(race.card.scheduledStart);
  return storedStart ?? new Date(`${race.date}T00:00:00+09:00`);
}

function ref(person: PersonRef): PersonRef {
  return { id: person.id, name: person.id === null ? null : person.name };
}

/**
 * Everything the importer stores for a race, and nothing else, in a fixed order: the card, then per
 * runner by gate the entry, body weight and the stored part of each detail. Its JSON is the body of
 * the race's `legacy` upstream response: equal stored values give equal bytes, whatever the file's
 * formatting (numbers as strings, key order, a single item as an object, reset post-race fields).
 */
export function canonicalLegacyRace(race: LegacyRaceRecords): Record<string, unknown> {
  const { card } = race;
  return {
    race: {
      date: race.date,
      meet: race.meet,
      raceNo: race.raceNo,
      name: card.name,
      distanceM: card.distanceM,
      raceClass: card.raceClass,
      ageCondition: card.ageCondition,
      sexCondition: card.sexCondition,
      weightCondition: card.weightCondition,
      prizeCondition: card.prizeCondition,
      prizes: card.prizes,
      scheduledStart: card.scheduledStart,
    },
    runners: race.runners.map(({ entry, bodyWeightKg, bodyWeightChange, horse, jockey, trainer }) => ({
      gateNo: entry.gateNo,
      horse: ref(entry.horse),
      jockey: ref(entry.jockey),
      trainer: ref(entry.trainer),
      owner: ref(entry.owner),
      age: entry.age,
      sex: entry.sex,
      origin: entry.origin,
      carriedWeightKg: entry.carriedWeightKg,
      rating: entry.rating,
      equipment: entry.equipment,
      daysSinceLastStart: entry.daysSinceLastStart,
      bodyWeightKg,
      bodyWeightChange,
      horseDetail: horse && {
        name: horse.name,
        meet: horse.meet,
        sex: horse.sex,
        birthDate: horse.birthDate,
        origin: horse.origin,
        sire: horse.sire,
        dam: horse.dam,
        ownerId: horse.owner.id,
        trainerId: horse.trainer.id,
        raceClass: horse.raceClass,
        rating: horse.rating,
        totalPrize: horse.totalPrize,
        career: horse.career,
        thisYear: horse.thisYear,
      },
      jockeyDetail: jockey && {
        name: jockey.name,
        meet: jockey.meet,
        birthDate: jockey.birthDate,
        debutDate: jockey.debutDate,
        affiliation: jockey.affiliation,
        weightKg: jockey.weightKg,
        career: jockey.career,
        thisYear: jockey.thisYear,
      },
      trainerDetail: trainer && {
        name: trainer.name,
        meet: trainer.meet,
        birthDate: trainer.birthDate,
        licensedSince: trainer.licensedSince,
        stable: trainer.stable,
        career: trainer.career,
        thisYear: trainer.thisYear,
        winRatePercent: trainer.winRatePercent,
        placeRatePercent: trainer.placeRatePercent,
      },
    })),
  };
}
