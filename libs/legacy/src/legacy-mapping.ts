import { cardFrom, horseSnapshot, jockeySnapshot, RaceCard, SnapshotParts, trainerSnapshot } from '@app/collection';
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
 * | wgHr "511(+2)", "511()", "0()"                 | bodyWeight(): "511()" change unknown, "0()" weight unknown | entries.body_weight_kg, body_weight_change |
 * | hrDetail (API8_2)                              | HorseRecord (toHorse)                  | horses.*, entry_snapshots.horse            |
 * | jkDetail (API12_1)                             | JockeyRecord (toJockey)                | jockeys.*, entry_snapshots.jockey          |
 * | trDetail (API19_1)                             | TrainerRecord (toTrainer)              | trainers.*, entry_snapshots.trainer        |
 *
 * The details come in two forms: raw API8_2 / API12_1 / API19_1 items, and the old scripts' compact
 * objects, which have no ids or names of their own. A compact block takes the runner row's ids,
 * names, meet, sex, birthday, origin, owner and trainer (see DETAIL_FROM_RUNNER); of its own fields,
 * hrDetail gives faHrNo/faHrName, moHrNo/moHrName, the counts, chaksunT, rating and hrLastAmt;
 * jkDetail age, birthday, debut, part and the counts; trDetail meet, part, stDate, the counts,
 * winRateT and plcRateT. What a compact block does not carry (the horse's rank, the jockey's weight,
 * the trainer's birthday) keeps its stored value. Their rate fields (winRateT, plcRateT, winRateY of
 * horses and jockeys, qnlRateT and the this-year rates of trainers) are checked as numbers and not
 * stored: the counts they derive from are.
 *
 * Never read (post-race, or not ours to store): ord, ordBigo, rankRise, diffUnit, rcTime, winOdds,
 * plcOdds, track, weather, every sectional (bu*, se*, sj*, je*), buga1–3, wgBudamBigo, wgJk, rcDay,
 * birthday of the runner row (the horse's comes from hrDetail); in the details the figures no column
 * holds (jockey and trainer age, the trainer's this-year and quinella rates, the horse's last sale price).
 */

/** The `service` of the upstream response a legacy import records as the source of its rows. */
export const LEGACY_SERVICE = 'legacy';

/** Fields of a legacy item that only a run race fills: never stored by the importer, never validated. */
export const LEGACY_POST_RACE_FIELDS: readonly string[] = [
  'ord',
  'ordBigo',
  'rankRise',
  'diffUnit',
  'rcTime',
  'winOdds',
  'plcOdds',
  'track',
  'weather',
];

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
  ['rcCnt', 'ord1Cnt', 'ord2Cnt', 'ord3Cnt']
    .flatMap((field) => [`${field}T`, `${field}Y`])
    .map((field) => [field, 'integer']),
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

const RATE_FIELDS: Record<string, FieldKind> = {
  winRateT: 'decimal',
  plcRateT: 'decimal',
  winRateY: 'decimal',
  plcRateY: 'decimal',
  qnlRateT: 'decimal',
  qnlRateY: 'decimal',
};

/** Both forms of each detail block: raw API8_2 / API12_1 / API19_1 items and the old scripts' compact objects. */
const DETAIL_FIELDS: Record<LegacyDetailField, Record<string, FieldKind>> = {
  hrDetail: { birthday: 'date', rating: 'integer', chaksunT: 'integer', ...CAREER_FIELDS, ...RATE_FIELDS },
  jkDetail: { age: 'integer', birthday: 'date', debut: 'date', wgPart: 'decimal', ...CAREER_FIELDS, ...RATE_FIELDS },
  trDetail: { age: 'integer', birthday: 'date', stDate: 'date', ...CAREER_FIELDS, ...RATE_FIELDS },
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
      // "0()" and "0" (not weighed yet when the file was written) read as unknown: not a problem.
      return bodyWeight(raw).kg === null && !/^\s*0\s*(\(\s*\))?\s*$/.test(String(raw))
        ? 'is not a body weight such as "511(+2)"'
        : null;
  }
}

/**
 * Something odd about one runner of a file: the field, its value and why it was not used. The
 * runner imports without that value (or without that detail block); a runner that cannot be
 * stored at all (no gate, no horse) is left out of the race.
 */
export interface LegacyRunnerWarning {
  chulNo: number | null;
  field: string;
  value: unknown;
  reason: string;
}

/** The runners of a file that can be imported, each cleaned of the values it cannot use. */
export interface CheckedLegacyItems {
  items: LegacyItem[];
  warnings: LegacyRunnerWarning[];
}

/** Clears each present value that is not of its kind, with a warning; returns the record, cleaned. */
function cleanFields(
  record: Record<string, unknown>,
  fields: Record<string, FieldKind>,
  warn: (field: string, value: unknown, reason: string) => void,
): Record<string, unknown> {
  let clean = record;
  for (const [field, kind] of Object.entries(fields)) {
    const problem = badValue(kind, record[field]);
    if (!problem) continue;
    warn(field, record[field], problem);
    clean = { ...clean, [field]: null };
  }
  return clean;
}

/** A detail block as given, or null when it is missing or empty; one-element arrays are unwrapped. */
function detailBlock(item: LegacyItem, field: LegacyDetailField, gate: number): Record<string, unknown> | null {
  let block: unknown = item[field];
  if (block === undefined || block === null || block === '' || block === '-') return null;
  if (Array.isArray(block)) {
    if (block.length > 1)
      throw new LegacyFileError(`${field} of chulNo ${gate} holds ${block.length} records, not one`);
    block = block[0];
    if (block === undefined) return null;
  }
  if (typeof block !== 'object' || block === null || Array.isArray(block))
    throw new LegacyFileError(`${field} of chulNo ${gate} is not an object: ${show(block)}`);
  return Object.keys(block).length === 0 ? null : (block as Record<string, unknown>);
}

/**
 * Checks the items of one file against its name and the stored fields' types. What concerns the
 * whole file (its runners are not of the race its name gives, a gate appears twice) throws a
 * LegacyFileError naming the field, the runner (chulNo) and the value. What concerns one runner is
 * a warning on that runner: a value that is not of its kind is left out, a detail block that does
 * not fit is left out, a runner without a gate or a horse is left out.
 */
export function checkLegacyItems(items: LegacyItem[], file: LegacyFileId): CheckedLegacyItems {
  const gates = new Set<number>();
  const warnings: LegacyRunnerWarning[] = [];
  const kept: LegacyItem[] = [];
  items.forEach((item, index) => {
    const gateProblem = badValue('integer', item.chulNo);
    const gate = num(item.chulNo as RawValue);
    if (gateProblem || gate === null || gate < 1) {
      const why = gate === null && !gateProblem ? 'no gate number' : 'not a gate number';
      warnings.push({
        chulNo: null,
        field: 'chulNo',
        value: item.chulNo ?? null,
        reason: `item ${index + 1} left out: ${why}`,
      });
      return;
    }
    if (gates.has(gate)) throw new LegacyFileError(`chulNo ${gate} appears more than once`);
    gates.add(gate);
    const of = `of chulNo ${gate}`;
    const date = raceDate(item.rcDate as RawValue);
    if (date !== file.date)
      throw new LegacyFileError(
        `rcDate ${show(item.rcDate)} ${of} does not match the file name (${file.date.replaceAll('-', '')})`,
      );
    if (meetCode(item.meet as RawValue) !== file.meet)
      throw new LegacyFileError(`meet ${show(item.meet)} ${of} does not match the file name (meet ${file.meet})`);
    if (num(item.rcNo as RawValue) !== file.raceNo)
      throw new LegacyFileError(`rcNo ${show(item.rcNo)} ${of} does not match the file name (race ${file.raceNo})`);
    const warn = (field: string, value: unknown, reason: string): void => {
      warnings.push({ chulNo: gate, field, value: value ?? null, reason });
    };
    if (typeof item.hrNo === 'object' || kraId(item.hrNo, 'horse') === null) {
      warn('hrNo', item.hrNo, 'runner left out: no horse number');
      return;
    }
    if (typeof item.hrName === 'object' || text0(item.hrName) === null) {
      warn('hrName', item.hrName, `runner left out: no horse name (hrNo ${show(item.hrNo)})`);
      return;
    }
    let clean: Record<string, unknown> = { ...item };
    for (const person of PEOPLE) {
      const id = clean[person.id];
      if (typeof id === 'object' && id !== null) {
        warn(person.id, id, `is not a single value: the ${person.kind} is left out`);
        clean = { ...clean, [person.id]: null, [person.name]: null };
      } else if (kraId(id as RawValue, person.kind) !== null && text0(clean[person.name] as RawValue) === null) {
        warn(person.name, clean[person.name], `is missing (${person.id} ${show(id)}): the ${person.kind} is left out`);
        clean = { ...clean, [person.id]: null, [person.name]: null };
      }
    }
    clean = cleanFields(clean, RUNNER_FIELDS, warn);
    for (const field of Object.keys(DETAIL_FIELDS) as LegacyDetailField[]) {
      let block: Record<string, unknown> | null;
      try {
        block = detailBlock(item, field, gate);
      } catch (error) {
        warn(field, item[field], `${(error as LegacyFileError).reason}: left out`);
        clean = { ...clean, [field]: null };
        continue;
      }
      if (!block) continue;
      const identity = DETAIL_IDENTITY[field];
      const own = kraId(block[identity.id] as RawValue, identity.kind);
      const runner = kraId(clean[identity.id] as RawValue, identity.kind);
      if (own !== runner && (own !== null || runner === null)) {
        const why =
          own !== null
            ? `is not the runner's ${identity.kind} (${runner ?? 'none'})`
            : `names no ${identity.kind}: neither it nor the runner has ${identity.id}`;
        warn(`${field}.${identity.id}`, block[identity.id], `${why}: ${field} left out`);
        clean = { ...clean, [field]: null };
        continue;
      }
      clean = {
        ...clean,
        [field]: cleanFields(block, DETAIL_FIELDS[field], (name, value, reason) =>
          warn(`${field}.${name}`, value, reason),
        ),
      };
    }
    kept.push(clean as LegacyItem);
  });
  if (kept.length === 0)
    throw new LegacyFileError(
      `no runner can be imported: ${warnings.map((warning) => `${warning.field} ${warning.reason}`).join('; ')}`,
    );
  return { items: kept, warnings };
}

/**
 * The runner-row fields a detail block takes when it leaves them out: the old scripts' compact
 * `hrDetail` / `jkDetail` / `trDetail` hold figures only and the runner row names the rest (a raw
 * API8_2 / API12_1 / API19_1 item carries them itself, and keeps its own).
 */
const DETAIL_FROM_RUNNER: Record<LegacyDetailField, readonly string[]> = {
  hrDetail: ['hrNo', 'hrName', 'meet', 'sex', 'birthday', 'name', 'owNo', 'owName', 'trNo', 'trName'],
  jkDetail: ['jkNo', 'jkName', 'meet'],
  trDetail: ['trNo', 'trName', 'meet'],
};

/** Records made from compact detail blocks: written without clearing what those blocks do not carry. */
const COMPACT_RECORDS = new WeakSet<object>();

/** Master columns a compact block does not carry (rank, jockey weight, trainer birthday): their stored values stay. */
export const COMPACT_DETAIL_KEEPS: Readonly<Record<'horse' | 'jockey' | 'trainer', readonly string[]>> = {
  horse: ['race_class'],
  jockey: ['weight_kg'],
  trainer: ['birth_date'],
};

/** Whether a detail record came from the old scripts' compact form (no id of its own) rather than a raw item. */
export function isCompactDetail(record: object): boolean {
  return COMPACT_RECORDS.has(record);
}

function detailRecord<T extends object>(
  item: LegacyItem,
  field: LegacyDetailField,
  gate: number,
  toRecord: (raw: RawItem) => T,
): T | null {
  const block = detailBlock(item, field, gate);
  if (!block) return null;
  const record = toRecord(withRunnerFields(block, item, field));
  if (text0(block[DETAIL_IDENTITY[field].id] as RawValue) === null) COMPACT_RECORDS.add(record);
  return record;
}

/** A detail block with the runner's fields filled in where the block leaves them out. */
function withRunnerFields(block: Record<string, unknown>, item: LegacyItem, field: LegacyDetailField): RawItem {
  const filled: Record<string, unknown> = { ...block };
  for (const name of DETAIL_FROM_RUNNER[field]) {
    if (text0(filled[name] as RawValue) === null && item[name] !== undefined) filled[name] = item[name];
  }
  return filled as RawItem;
}

/** The records of one checked item. */
export function legacyRunnerRecords(item: LegacyItem): LegacyRunnerRecords {
  const entry = toEntry(item as RawItem);
  const gate = entry.gateNo as number;
  const weight = bodyWeight(item.wgHr as RawValue);
  return {
    entry,
    bodyWeightKg: weight.kg,
    bodyWeightChange: weight.change,
    horse: detailRecord(item, 'hrDetail', gate, toHorse),
    jockey: detailRecord(item, 'jkDetail', gate, toJockey),
    trainer: detailRecord(item, 'trDetail', gate, toTrainer),
  };
}

/**
 * One race from its checked files: the runners of both, by gate. A runner in both files is taken
 * from `_enriched` (the same row plus its details); the two must agree on the horse at each gate.
 */
export function legacyRaceRecords(
  key: LegacyRaceKey,
  files: Partial<Record<LegacyKind, LegacyItem[]>>,
): LegacyRaceRecords {
  const byGate = new Map<number, LegacyItem>();
  for (const item of files.prerace ?? []) byGate.set(num(item.chulNo as RawValue) as number, item);
  for (const item of files.enriched ?? []) {
    const gate = num(item.chulNo as RawValue) as number;
    const prerace = byGate.get(gate);
    const [before, after] = [
      prerace && kraId(prerace.hrNo as RawValue, 'horse'),
      kraId(item.hrNo as RawValue, 'horse'),
    ];
    if (prerace && before !== after)
      throw new LegacyFileError(
        `the _prerace and _enriched files disagree on chulNo ${gate}: horse ${before} against ${after}`,
      );
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
    horse: horse ? horseSnapshot(horse) : undefined,
    jockey: jockey ? jockeySnapshot(jockey) : undefined,
    trainer: trainer ? trainerSnapshot(trainer) : undefined,
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
