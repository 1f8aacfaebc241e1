import type { RawValue } from './kra-services';
import { bodyWeight, finish, FinishStatus, kraId, MeetCode, meetCode, num, payout, raceDate, startTime, text0, trackCondition } from './normalise';

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

function ref(item: RawItem, idField: string, nameField: string, kind: 'horse' | 'jockey' | 'trainer' | 'owner'): PersonRef {
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
  return [1, 2, 3, 4, 5].map((place) => num(item[`chaksun${place}`])).filter((value): value is number => value !== null && value > 0);
}

/** Sectional fields are named by track; those of the other tracks arrive as zeros. */
const SECTIONAL_FIELD = /^(bu|se|sj|je)(_|[A-Z])/;

/** API214_1: one runner's card and result. */
export interface RaceResultRecord extends RunnerFields {
  bodyWeightKg: number | null;
  bodyWeightChange: number | null;
  weather: string | null;
  going: string | null;
  moisturePercent: number | null;
  finishPosition: number | null;
  finishStatus: FinishStatus | null;
  raceTimeSeconds: number | null;
  margin: string | null;
  note: string | null;
  winOdds: number | null;
  placeOdds: number | null;
  /** Non-zero sectional times and positions of this race's track, by KRA field name. */
  sectionals: Record<string, number>;
  prizes: number[];
}

export function toRaceResult(item: RawItem): RaceResultRecord {
  const weight = bodyWeight(item.wgHr);
  const track = trackCondition(item.track);
  const result = finish(item.ord, item.winOdds);
  const sectionals: Record<string, number> = {};
  for (const [field, value] of Object.entries(item)) {
    const number = SECTIONAL_FIELD.test(field) ? num(value) : null;
    if (number) sectionals[field] = number;
  }
  const winOdds = num(item.winOdds);
  const placeOdds = num(item.plcOdds);
  return {
    ...runner(item),
    bodyWeightKg: weight.kg,
    bodyWeightChange: weight.change,
    weather: text0(item.weather),
    going: track.going,
    moisturePercent: track.moisturePercent,
    finishPosition: result.position,
    finishStatus: result.status,
    raceTimeSeconds: num(item.rcTime) || null,
    margin: text0(item.diffUnit),
    note: text0(item.ordBigo),
    winOdds: winOdds || null,
    placeOdds: placeOdds || null,
    sectionals,
    prizes: prizes(item),
  };
}

/** API299: a race of the day's summary. */
export interface RaceSummaryRecord extends RaceKey {
  raceName: string | null;
  distanceM: number | null;
  raceClass: string | null;
  weather: string | null;
  going: string | null;
  moisturePercent: number | null;
  scheduledStart: string | null;
  actualStart: string | null;
  noRace: boolean;
  final: boolean;
  runnerCount: number | null;
}

export function toRaceSummary(item: RawItem): RaceSummaryRecord {
  const key = raceKey(item);
  const track = trackCondition(item.track);
  return {
    ...key,
    raceName: text0(item.rcName),
    distanceM: num(item.rcDist),
    raceClass: text0(item.rank),
    weather: text0(item.weather),
    going: track.going,
    moisturePercent: track.moisturePercent,
    scheduledStart: startTime(key.raceDate, item.schStTime),
    actualStart: startTime(key.raceDate, item.stTime),
    noRace: text0(item.noraceFlag)?.toUpperCase() === 'Y',
    final: text0(item.finalBit)?.toUpperCase() === 'Y',
    runnerCount: num(item.hrCnt),
  };
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
    combination: [item.chulNo, item.chulNo2, item.chulNo3].map((value) => num(value)).filter((value): value is number => value !== null && value > 0),
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
  return { ...raceKey(item), gateNo: num(item.chulNo), horse: ref(item, 'hrNo', 'hrName', 'horse'), reason: text0(item.reason) };
}
