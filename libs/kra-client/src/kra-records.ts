import type { RawValue } from './kra-services';
import {
  bodyWeight,
  finish,
  FinishStatus,
  kraId,
  MeetCode,
  meetCode,
  num,
  payout,
  raceDate,
  startTime,
  text0,
  trackCondition,
} from './normalise';

export type RawItem = Record<string, RawValue>;

export interface PersonRef {
  id: string | null;
  name: string | null;
}

/** Fields every race-level record shares. */
export interface RaceKey {
  meet: MeetCode | null;
  raceDate: string | null; // YYYY-MM-DD, Asia/Seoul calendar date
  raceNo: number | null;
}

function raceKey(item: RawItem): RaceKey {
  return { meet: meetCode(item.meet), raceDate: raceDate(item.rcDate), raceNo: num(item.rcNo) };
}

function ref(
  item: RawItem,
  idField: string,
  nameField: string,
  kind: 'horse' | 'jockey' | 'trainer' | 'owner',
): PersonRef {
  return { id: kraId(item[idField], kind), name: text0(item[nameField]) };
}

/** What the entry sheet and the result rows both say of a runner, under the same field names. */
export interface RunnerFields extends RaceKey {
  gateNo: number | null;
  horse: PersonRef;
  jockey: PersonRef;
  trainer: PersonRef;
  owner: PersonRef;
  sex: string | null;
  age: number | null;
  carriedWeightKg: number | null;
  rating: number | null;
  distanceM: number | null;
  raceClass: string | null;
  raceName: string | null;
}

function runner(item: RawItem): RunnerFields {
  return {
    ...raceKey(item),
    gateNo: num(item.chulNo),
    horse: ref(item, 'hrNo', 'hrName', 'horse'),
    jockey: ref(item, 'jkNo', 'jkName', 'jockey'),
    trainer: ref(item, 'trNo', 'trName', 'trainer'),
    owner: ref(item, 'owNo', 'owName', 'owner'),
    sex: text0(item.sex),
    age: num(item.age),
    carriedWeightKg: num(item.wgBudam),
    rating: num(item.rating),
    distanceM: num(item.rcDist),
    raceClass: text0(item.rank),
    raceName: text0(item.rcName),
  };
}

/** API26_2: a declared runner, as known before the race. */
export interface EntryRecord extends RunnerFields {
  origin: string | null;
  prizeCondition: string | null;
  ageCondition: string | null;
  weightCondition: string | null;
  scheduledStart: string | null;
  daysSinceLastStart: number | null;
  equipment: string | null;
  firstPrize: number | null;
}

export function toEntry(item: RawItem): EntryRecord {
  const fields = runner(item);
  return {
    ...fields,
    origin: text0(item.name),
    prizeCondition: text0(item.prizeCond),
    ageCondition: text0(item.ageCond),
    weightCondition: text0(item.budam),
    scheduledStart: startTime(fields.raceDate, item.stTime),
    daysSinceLastStart: num(item.ilsu),
    equipment: text0(item.hrTool),
    firstPrize: num(item.chaksun1),
  };
}

/** API72_2: a race of the plan. */
export interface RacePlanRecord extends RaceKey {
  raceName: string | null;
  distanceM: number | null;
  raceClass: string | null;
  prizeCondition: string | null;
  ageCondition: string | null;
  sexCondition: string | null;
  weightCondition: string | null;
  prizes: number[];
  scheduledStart: string | null;
}

export function toRacePlan(item: RawItem): RacePlanRecord {
  const key = raceKey(item);
  return {
    ...key,
    raceName: text0(item.rcName),
    distanceM: num(item.rcDist),
    raceClass: text0(item.rank),
    prizeCondition: text0(item.prizeCond),
    ageCondition: text0(item.ageCond),
    sexCondition: text0(item.sexCond),
    weightCondition: text0(item.budam),
    prizes: prizes(item),
    scheduledStart: startTime(key.raceDate, item.schStTime),
  };
}

function prizes(item: RawItem): number[] {
  return [1, 2, 3, 4, 5]
    .map((place) => num(item[`chaksun${place}`]))
    .filter((value): value is number => value !== null && value > 0);
}

/** Sectional fields are named by track; those of the other tracks arrive as zeros. */
const SECTIONAL_FIELD = /^(bu|se|sj|je)(_|[A-Z])/;

/** Non-zero sectional times and positions of the row's track, by KRA field name (only those fields are read). */
function sectionals(item: RawItem): Record<string, number> {
  const found: Record<string, number> = {};
  for (const field of Object.keys(item)) {
    if (!SECTIONAL_FIELD.test(field)) continue;
    const number = num(item[field]);
    if (number) found[field] = number;
  }
  return found;
}

/** What a result row says of the race run: position or status, time, margin. */
interface FinishFields {
  finishPosition: number | null;
  finishStatus: FinishStatus | null;
  raceTimeSeconds: number | null;
  sectionals: Record<string, number>;
}

function finishFields(item: RawItem, winOdds?: RawValue): FinishFields {
  const result = finish(item.ord, winOdds);
  return {
    finishPosition: result.position,
    finishStatus: result.status,
    raceTimeSeconds: num(item.rcTime) || null,
    sectionals: sectionals(item),
  };
}

/**
 * API214_1: one runner's card and result, every field the gateway sends: the race's card fields,
 * the runner's pre-race fields, and what only the run race fills (position, time, margin, odds,
 * sectionals, observed track, class rise).
 */
export interface RaceResultRecord extends RunnerFields, FinishFields {
  // The race's card (the same on every row of a race).
  weekday: string | null;
  prizeCondition: string | null;
  ageCondition: string | null;
  weightCondition: string | null;
  prizes: number[];
  /** buga1–3: additional prize money by place, 0 when none. */
  additionalPrizes: number[];
  // The runner, before the race.
  origin: string | null;
  horseBirthDate: string | null;
  equipment: string | null;
  daysSinceLastStart: number | null;
  bodyWeightKg: number | null;
  bodyWeightChange: number | null;
  /** wgJk, as the gateway names it (0 when none). */
  jockeyWeightKg: number | null;
  /** wgBudamBigo: a note on the carried weight. */
  carriedWeightNote: string | null;
  // After the race.
  weather: string | null;
  going: string | null;
  moisturePercent: number | null;
  margin: string | null;
  note: string | null;
  winOdds: number | null;
  placeOdds: number | null;
  /** rankRise: the class change the result earned (0 when none). */
  classRise: number | null;
}

export function toRaceResult(item: RawItem): RaceResultRecord {
  const weight = bodyWeight(item.wgHr);
  const track = trackCondition(item.track);
  const winOdds = num(item.winOdds);
  const placeOdds = num(item.plcOdds);
  return {
    ...runner(item),
    ...finishFields(item, item.winOdds),
    weekday: text0(item.rcDay),
    prizeCondition: text0(item.prizeCond),
    ageCondition: text0(item.ageCond),
    weightCondition: text0(item.budam),
    prizes: prizes(item),
    additionalPrizes: [1, 2, 3].map((place) => num(item[`buga${place}`]) ?? 0),
    origin: text0(item.name),
    horseBirthDate: raceDate(item.birthday),
    equipment: text0(item.hrTool),
    daysSinceLastStart: num(item.ilsu),
    bodyWeightKg: weight.kg,
    bodyWeightChange: weight.change,
    jockeyWeightKg: num(item.wgJk),
    carriedWeightNote: text0(item.wgBudamBigo),
    weather: text0(item.weather),
    going: track.going,
    moisturePercent: track.moisturePercent,
    margin: text0(item.diffUnit),
    note: text0(item.ordBigo),
    winOdds: winOdds || null,
    placeOdds: placeOdds || null,
    classRise: num(item.rankRise),
  };
}

/** Starts, wins and seconds, as API299 counts them (it has no thirds). */
export interface PlaceCounts {
  starts: number | null;
  wins: number | null;
  seconds: number | null;
}

function placeCounts(item: RawItem, prefix: '' | 'hr' | 'jk' | 'tr', period: 'T' | 'Y'): PlaceCounts {
  const name = (field: string): string =>
    prefix === '' ? `${field}${period}` : `${prefix}${field[0].toUpperCase()}${field.slice(1)}${period}`;
  return { starts: num(item[name('rcCnt')]), wins: num(item[name('ord1Cnt')]), seconds: num(item[name('ord2Cnt')]) };
}

/**
 * A flag the gateway sends as 1 / "1" / 0 / "0" (JSON numbers, XML text); "Y" / "N" are read too.
 * Null when absent or unreadable.
 */
export function flag(value: RawValue | undefined): boolean | null {
  const text = text0(value)?.toUpperCase();
  if (text === undefined || text === null) return null;
  if (text === 'Y') return true;
  if (text === 'N') return false;
  const number = num(value);
  return number === null ? null : number !== 0;
}

/**
 * API299 Race_Result_total: one runner of a race with its result, sectionals and the counts of its
 * horse, jockey and trainer, plus the race's flags: `noRace` (noraceFlag other than 0: the race was
 * not run, cancelled or void) and `final` (finalBit 1: the result is final, else provisional).
 */
export interface RaceTotalRecord extends RaceKey, FinishFields {
  scheduledStart: string | null;
  actualStart: string | null;
  /** startTimeChg and stTimeChgReason: a changed start and why. */
  startTimeChange: string | null;
  startTimeChangeReason: string | null;
  going: string | null;
  moisturePercent: number | null;
  noRace: boolean;
  final: boolean;
  gateNo: number | null;
  horse: PersonRef;
  jockey: PersonRef;
  trainer: PersonRef;
  age: number | null;
  sex: string | null;
  origin: string | null;
  /** prdName: 국산 (bred in Korea) or 외산 (imported). */
  production: string | null;
  raceClass: string | null;
  carriedWeightKg: number | null;
  bodyWeightKg: number | null;
  bodyWeightChange: number | null;
  horseCounts: { career: PlaceCounts; thisYear: PlaceCounts };
  /** hrRcCntT / hrOrd1CntT / hrOrd2CntT: counts the gateway does not document (in the hundreds: not the horse's career). */
  horseOtherCounts: PlaceCounts;
  jockeyAge: number | null;
  jockeyCareerYears: number | null;
  jockeyCounts: { career: PlaceCounts; thisYear: PlaceCounts };
  trainerAge: number | null;
  trainerCareerYears: number | null;
  trainerCounts: { career: PlaceCounts; thisYear: PlaceCounts };
}

export function toRaceTotal(item: RawItem): RaceTotalRecord {
  const key = raceKey(item);
  const track = trackCondition(item.track);
  const weight = bodyWeight(item.wgHr);
  const counts = (prefix: '' | 'jk' | 'tr'): { career: PlaceCounts; thisYear: PlaceCounts } => ({
    career: placeCounts(item, prefix, 'T'),
    thisYear: placeCounts(item, prefix, 'Y'),
  });
  return {
    ...key,
    ...finishFields(item),
    scheduledStart: startTime(key.raceDate, item.schStTime),
    actualStart: startTime(key.raceDate, item.stTime),
    startTimeChange: text0(item.startTimeChg),
    startTimeChangeReason: text0(item.stTimeChgReason),
    going: track.going,
    moisturePercent: track.moisturePercent,
    noRace: flag(item.noraceFlag) === true,
    final: flag(item.finalBit) === true,
    gateNo: num(item.chulNo),
    horse: ref(item, 'hrNo', 'hrName', 'horse'),
    jockey: ref(item, 'jkNo', 'jkName', 'jockey'),
    trainer: ref(item, 'trNo', 'trName', 'trainer'),
    age: num(item.age),
    sex: text0(item.sex),
    origin: text0(item.name),
    production: text0(item.prdName),
    raceClass: text0(item.rank),
    carriedWeightKg: num(item.wgBudam),
    bodyWeightKg: weight.kg,
    bodyWeightChange: weight.change,
    horseCounts: counts(''),
    horseOtherCounts: placeCounts(item, 'hr', 'T'),
    jockeyAge: num(item.jkAge),
    jockeyCareerYears: num(item.jkCareer),
    jockeyCounts: counts('jk'),
    trainerAge: num(item.trAge) || null,
    trainerCareerYears: num(item.trCareer),
    trainerCounts: counts('tr'),
  };
}

/** What API299 says of one race, from its runner rows. */
export interface RaceTotalSummary {
  raceNo: number;
  noRace: boolean;
  final: boolean;
  going: string | null;
  moisturePercent: number | null;
  actualStart: string | null;
  runners: number;
}

/** The races of a day's API299 rows: a race is not run if any row says so, final once every row does. */
export function summariseRaceTotals(records: RaceTotalRecord[]): Map<number, RaceTotalSummary> {
  const races = new Map<number, RaceTotalSummary>();
  for (const record of records) {
    if (record.raceNo === null) continue;
    const race = races.get(record.raceNo);
    if (!race) {
      races.set(record.raceNo, {
        raceNo: record.raceNo,
        noRace: record.noRace,
        final: record.final,
        going: record.going,
        moisturePercent: record.moisturePercent,
        actualStart: record.actualStart,
        runners: 1,
      });
      continue;
    }
    race.noRace ||= record.noRace;
    race.final &&= record.final;
    race.going ??= record.going;
    race.moisturePercent ??= record.moisturePercent;
    race.actualStart ??= record.actualStart;
    race.runners += 1;
  }
  return races;
}

/** Career figures: totals (T) and this year (Y). */
export interface CareerRecord {
  starts: number | null;
  wins: number | null;
  seconds: number | null;
  thirds: number | null;
}

function career(item: RawItem, period: 'T' | 'Y'): CareerRecord {
  return {
    starts: num(item[`rcCnt${period}`]),
    wins: num(item[`ord1Cnt${period}`]),
    seconds: num(item[`ord2Cnt${period}`]),
    thirds: num(item[`ord3Cnt${period}`]),
  };
}

/** API8_2: a horse. */
export interface HorseRecord {
  id: string | null;
  name: string | null;
  meet: MeetCode | null;
  sex: string | null;
  birthDate: string | null;
  origin: string | null;
  raceClass: string | null;
  rating: number | null;
  sire: PersonRef;
  dam: PersonRef;
  owner: PersonRef;
  trainer: PersonRef;
  career: CareerRecord;
  thisYear: CareerRecord;
  totalPrize: number | null;
  lastSalePrice: string | null;
}

export function toHorse(item: RawItem): HorseRecord {
  return {
    id: kraId(item.hrNo, 'horse'),
    name: text0(item.hrName),
    meet: meetCode(item.meet),
    sex: text0(item.sex),
    birthDate: raceDate(item.birthday),
    origin: text0(item.name),
    raceClass: text0(item.rank),
    rating: num(item.rating),
    sire: ref(item, 'faHrNo', 'faHrName', 'horse'),
    dam: ref(item, 'moHrNo', 'moHrName', 'horse'),
    owner: ref(item, 'owNo', 'owName', 'owner'),
    trainer: ref(item, 'trNo', 'trName', 'trainer'),
    career: career(item, 'T'),
    thisYear: career(item, 'Y'),
    totalPrize: num(item.chaksunT),
    lastSalePrice: text0(item.hrLastAmt),
  };
}

/** API12_1: a jockey. */
export interface JockeyRecord {
  id: string | null;
  name: string | null;
  meet: MeetCode | null;
  age: number | null;
  birthDate: string | null;
  debutDate: string | null;
  affiliation: string | null;
  weightKg: number | null;
  /** wgOther, as the gateway names it. */
  otherWeightKg: number | null;
  /** spDate, as the gateway names it (its meaning is not documented). */
  spDate: string | null;
  career: CareerRecord;
  thisYear: CareerRecord;
}

export function toJockey(item: RawItem): JockeyRecord {
  return {
    id: kraId(item.jkNo, 'jockey'),
    name: text0(item.jkName),
    meet: meetCode(item.meet),
    age: num(item.age),
    birthDate: raceDate(item.birthday),
    debutDate: raceDate(item.debut),
    affiliation: text0(item.part),
    weightKg: num(item.wgPart),
    otherWeightKg: num(item.wgOther),
    spDate: raceDate(item.spDate),
    career: career(item, 'T'),
    thisYear: career(item, 'Y'),
  };
}

/** API19_1: a trainer; rates are percentages as the gateway gives them. */
export interface TrainerRecord {
  id: string | null;
  name: string | null;
  meet: MeetCode | null;
  age: number | null;
  birthDate: string | null;
  licensedSince: string | null;
  stable: string | null;
  career: CareerRecord;
  thisYear: CareerRecord;
  winRatePercent: number | null;
  placeRatePercent: number | null;
  winRatePercentThisYear: number | null;
  placeRatePercentThisYear: number | null;
  quinellaRatePercent: number | null;
  quinellaRatePercentThisYear: number | null;
}

export function toTrainer(item: RawItem): TrainerRecord {
  return {
    id: kraId(item.trNo, 'trainer'),
    name: text0(item.trName),
    meet: meetCode(item.meet),
    age: num(item.age),
    birthDate: raceDate(item.birthday),
    licensedSince: raceDate(item.stDate),
    stable: text0(item.part),
    career: career(item, 'T'),
    thisYear: career(item, 'Y'),
    winRatePercent: num(item.winRateT),
    placeRatePercent: num(item.plcRateT),
    winRatePercentThisYear: num(item.winRateY),
    placeRatePercentThisYear: num(item.plcRateY),
    quinellaRatePercent: num(item.qnlRateT),
    quinellaRatePercentThisYear: num(item.qnlRateY),
  };
}

export const DIVIDEND_POOLS = ['WIN', 'PLC', 'QNL', 'EXA', 'QPL', 'TLA', 'TRI'] as const;
export type DividendPool = (typeof DIVIDEND_POOLS)[number];

/** API160_1: one pool × combination. */
export interface DividendRecord extends RaceKey {
  pool: DividendPool | null;
  combination: number[];
  payout: number | null;
  noPayout: boolean;
}

export function toDividend(item: RawItem): DividendRecord {
  const pool = text0(item.pool)?.toUpperCase();
  return {
    ...raceKey(item),
    pool: (DIVIDEND_POOLS as readonly string[]).includes(pool ?? '') ? (pool as DividendPool) : null,
    combination: [item.chulNo, item.chulNo2, item.chulNo3]
      .map((value) => num(value))
      .filter((value): value is number => value !== null && value > 0),
    ...payout(item.odds),
  };
}

/** API189_1: the track as observed for a race. */
export interface TrackRecord extends RaceKey {
  weather: string | null;
  going: string | null;
  moisturePercent: number | null;
  temperatureC: number | null;
  humidityPercent: number | null;
  windDirection: string | null;
  windSpeedMs: number | null;
}

export function toTrack(item: RawItem): TrackRecord {
  return {
    ...raceKey(item),
    weather: text0(item.weather),
    ...trackCondition(item.track),
    temperatureC: num(item.temperature),
    humidityPercent: num(item.humidity),
    windDirection: text0(item.windDirection),
    windSpeedMs: num(item.windSpeed),
  };
}

/** API9_1: a scratched runner. */
export interface ScratchRecord extends RaceKey {
  gateNo: number | null;
  horse: PersonRef;
  reason: string | null;
}

export function toScratch(item: RawItem): ScratchRecord {
  return {
    ...raceKey(item),
    gateNo: num(item.chulNo),
    horse: ref(item, 'hrNo', 'hrName', 'horse'),
    reason: text0(item.reason),
  };
}
