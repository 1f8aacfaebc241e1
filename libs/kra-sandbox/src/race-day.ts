import type { RawValue } from '@app/kra-client';
import { addMinutesHhmm, koreanWeekday } from '@app/calendar';
import { MeetCode, meetName, scheduledMeets } from './meets';
import { Horse, horseRating, Jockey, Population, sortKeys } from './population';
import { Rng, round1 } from './random';
import { RunProfile, sectionals, zeroSectionals } from './sectionals';

/**
 * One meet's race day, generated purely from (seed, date, meet): the plan of each race, the
 * runners with their full post-race API214_1 rows, scratches and dividends. Every other service
 * is a view of this, so entry sheet, results, scratches and dividends always agree.
 */

/** An API214_1 row: the 90 keys of the captured fixture, with post-race values filled in. */
export type ResultRow = Record<string, RawValue>;

export interface RacePlan {
  meet: MeetCode;
  rcDate: string;
  rcNo: number;
  rcName: string;
  rcDist: number;
  rank: string;
  prizeCond: string;
  ageCond: string;
  sexCond: string;
  budam: string;
  chaksun: [number, number, number, number, number];
  schStTime: string; // "HHMM" KST
  startDelayMinutes: number; // actual start = scheduled + this (0–1 min)
  weather: string;
  track: string; // "건조 (2%)"
  temperature: number;
  humidity: number;
  windDirection: string;
  windSpeed: number;
}

export interface Scratch {
  chulNo: number;
  hrNo: string;
  hrName: string;
  reason: string;
}

export type Pool = 'WIN' | 'PLC' | 'QNL' | 'EXA' | 'QPL' | 'TLA' | 'TRI';

export interface Dividend {
  pool: Pool;
  chulNo: number;
  chulNo2: number;
  chulNo3: number;
  odds: number;
}

export interface Race {
  plan: RacePlan;
  /** Full post-race rows in finishing order (special codes last). */
  rows: ResultRow[];
  scratches: Scratch[];
  dividends: Dividend[];
}

export interface RaceDay {
  meet: MeetCode;
  rcDate: string;
  races: Race[];
}

/** ord special codes (README): 91 disqualified, 92 pulled up, 95 scratched. */
export const ORD_DISQUALIFIED = 91;
export const ORD_PULLED_UP = 92;
export const ORD_SCRATCHED = 95;
export const NO_SALE_ODDS = 9999.9;

const DISTANCES: Record<MeetCode, number[]> = {
  1: [1000, 1200, 1200, 1300, 1400, 1400, 1600, 1700, 1800, 1800, 1900, 2000, 2300],
  2: [800, 900, 1000, 1000, 1100, 1200, 1200, 1400, 1600, 1700, 1800],
  3: [1000, 1200, 1200, 1300, 1400, 1400, 1600, 1800, 1800, 1900, 2000, 2200],
  4: [1000, 1200],
};
const CLASSES = [
  { rank: '국6등급', prizeCond: 'R0~0', firstPrize: 16_500_000 },
  { rank: '국5등급', prizeCond: 'R0~40', firstPrize: 19_000_000 },
  { rank: '국4등급', prizeCond: 'R0~55', firstPrize: 23_000_000 },
  { rank: '국3등급', prizeCond: 'R0~70', firstPrize: 28_000_000 },
  { rank: '혼4등급', prizeCond: 'R0~55', firstPrize: 25_000_000 },
  { rank: '혼3등급', prizeCond: 'R0~70', firstPrize: 31_000_000 },
  { rank: '혼2등급', prizeCond: 'R0~85', firstPrize: 38_000_000 },
  { rank: '혼1등급', prizeCond: 'R80~', firstPrize: 50_000_000 },
];
const PRIZE_SHARES = [1, 0.4, 0.2545, 0.0909, 0.0727];
const STAKES_NAMES = [
  'KRA컵',
  '부산광역시장배',
  '서울마주협회장배',
  '제주특별자치도지사배',
  '경남도민일보배',
  'YTN배',
  '스포츠서울배',
  '헤럴드경제배',
];
const AGE_CONDITIONS = ['연령오픈', '연령오픈', '연령오픈', '3세이상', '2세', '3세', '4세이상'];
const WEIGHT_CONDITIONS = ['별정A', '별정A', '별정B', '핸디캡', '마령'];
const WIND_DIRECTIONS = ['북', '북동', '동', '남동', '남', '남서', '서', '북서'];
const SCRATCH_REASONS = ['마체이상', '질병', '부상', '폐출혈', '출발대 사고', '기수 부상'];

/** "건조 (2%)": the going word follows the moisture reading. */
export function goingText(moisture: number): string {
  const word =
    moisture <= 5 ? '건조' : moisture <= 9 ? '양호' : moisture <= 14 ? '다습' : moisture <= 19 ? '포화' : '불량';
  return `${word} (${moisture}%)`;
}

function dayWeather(rng: Rng, month: number): { weather: string; temperature: number; baseMoisture: number } {
  const winter = month === 12 || month <= 2;
  const weather = rng.pick(winter ? ['맑음', '맑음', '흐림', '눈'] : ['맑음', '맑음', '맑음', '흐림', '흐림', '비']);
  const seasonal = [0, -1, 2, 8, 14, 19, 24, 27, 28, 23, 16, 8, 1][month];
  const wet = weather === '비' || weather === '눈';
  return {
    weather,
    temperature: round1(seasonal + rng.float(-4, 4)),
    baseMoisture: wet ? rng.int(12, 20) : rng.int(1, 8),
  };
}

/** The races of a meet on a date (plans only: cheap enough for a whole year of race plans). */
export function planRaceDay(seed: string, rcDate: string, meet: MeetCode): RacePlan[] {
  if (!scheduledMeets(rcDate).includes(meet)) return [];
  const rng = new Rng(seed, 'plan', rcDate, meet);
  const raceCount = meet === 1 ? rng.int(9, 12) : rng.int(6, 9);
  const firstStart = `10${rng.pick(['30', '35', '40', '45', '50', '55'])}`;
  const interval = rng.pick([30, 35, 40]);
  const { weather, temperature, baseMoisture } = dayWeather(rng, Number(rcDate.slice(4, 6)));
  return Array.from({ length: raceCount }, (_, i) => {
    const klass = i < 2 ? CLASSES[0] : rng.pick(meet === 3 || meet === 2 ? CLASSES.slice(0, 6) : CLASSES);
    const stakes = i === raceCount - 1 && rng.chance(0.3);
    const firstPrize = stakes ? klass.firstPrize * 3 : klass.firstPrize;
    const moisture = Math.max(1, Math.min(25, baseMoisture + rng.int(-1, 1)));
    return {
      meet,
      rcDate,
      rcNo: i + 1,
      rcName: stakes ? rng.pick(STAKES_NAMES) : '일반',
      rcDist: rng.pick(DISTANCES[meet]),
      rank: klass.rank,
      prizeCond: klass.prizeCond,
      ageCond: rng.pick(AGE_CONDITIONS),
      sexCond: rng.chance(0.12) ? '암말' : '성별오픈',
      budam: rng.pick(WEIGHT_CONDITIONS),
      chaksun: PRIZE_SHARES.map((share) => Math.round((firstPrize * share) / 100_000) * 100_000) as RacePlan['chaksun'],
      schStTime: addMinutesHhmm(firstStart, i * interval),
      startDelayMinutes: rng.int(0, 1),
      weather,
      track: goingText(moisture),
      temperature: round1(temperature + i * 0.2),
      humidity: rng.int(35, weather === '비' ? 95 : 75),
      windDirection: rng.pick(WIND_DIRECTIONS),
      windSpeed: round1(rng.float(0.3, 6)),
    };
  });
}

interface Entrant {
  horse: Horse;
  jockey: Jockey;
  chulNo: number;
}

/** The result row of a scratched runner: its card, nothing run. */
export function scratchedRow(card: ResultRow): ResultRow {
  return {
    ...card,
    ...zeroSectionals(),
    ord: ORD_SCRATCHED,
    ordBigo: '출전취소',
    diffUnit: '-',
    rankRise: 0,
    rcTime: 0,
    winOdds: 0,
    plcOdds: 0,
  };
}

/** A runner as its card row shows it: who runs, and its figures of the day. */
export interface CardEntrant {
  chulNo: number;
  horse: Horse;
  jockey: Jockey;
  age: number;
  daysSinceLastStart: number;
  rating: number;
  carriedWeight: number;
  bodyWeight: number;
  bodyWeightChange: number;
  /** The jockey's weight allowance (wgJk): 0, or -1 to -3 kg. */
  jockeyAllowance: number;
}

/** The pre-race part of an API214_1 row (the card), in either world. */
export function cardRowOf(plan: RacePlan, entrant: CardEntrant): ResultRow {
  const { horse, jockey } = entrant;
  return {
    age: entrant.age,
    ageCond: plan.ageCond,
    birthday: horse.birthday,
    budam: plan.budam,
    buga1: 0,
    buga2: 0,
    buga3: 0,
    chaksun1: plan.chaksun[0],
    chaksun2: plan.chaksun[1],
    chaksun3: plan.chaksun[2],
    chaksun4: plan.chaksun[3],
    chaksun5: plan.chaksun[4],
    chulNo: entrant.chulNo,
    hrName: horse.hrName,
    hrNo: horse.hrNo,
    hrTool: horse.hrTool,
    ilsu: entrant.daysSinceLastStart,
    jkName: jockey.jkName,
    jkNo: jockey.jkNo,
    meet: meetName(plan.meet, 'short'),
    name: horse.name,
    owName: horse.owName,
    owNo: horse.owNo,
    prizeCond: plan.prizeCond,
    rank: plan.rank,
    rating: entrant.rating,
    rcDate: Number(plan.rcDate),
    rcDay: koreanWeekday(plan.rcDate),
    rcDist: plan.rcDist,
    rcName: plan.rcName,
    rcNo: plan.rcNo,
    sex: horse.sex,
    trName: horse.trName,
    trNo: horse.trNo,
    track: plan.track,
    weather: plan.weather,
    wgBudam: entrant.carriedWeight,
    wgBudamBigo: '-',
    wgHr: `${entrant.bodyWeight}(${entrant.bodyWeightChange > 0 ? '+' : ''}${entrant.bodyWeightChange})`,
    wgJk: entrant.jockeyAllowance,
  };
}

function ageOn(horse: Horse, rcDate: string): number {
  return Number(rcDate.slice(0, 4)) - Math.floor(horse.birthday / 10_000);
}

/** Base winning time in seconds for a distance (Jeju ponies are slower). */
export function parTime(meet: MeetCode, distance: number): number {
  return ((distance / 1000) * 61 + 2) * (meet === 2 ? 1.12 : 1);
}

/** Winning margin in lengths as the gateway writes it: 코/머리/목, "½", "1½", 7, 대. */
export function marginText(seconds: number): RawValue {
  const lengths = seconds * 6;
  if (lengths < 0.1) return '코';
  if (lengths < 0.25) return '머리';
  if (lengths < 0.4) return '목';
  const quarters = Math.max(2, Math.round(lengths * 4));
  const whole = Math.floor(quarters / 4);
  if (whole >= 10) return '대';
  const fraction = ['', '¼', '½', '¾'][quarters % 4];
  return fraction ? `${whole || ''}${fraction}` : whole;
}

function carriedWeight(rng: Rng, budam: string, horse: Horse): number {
  const mareAllowance = horse.sex === '암' ? 2 : 0;
  if (budam === '핸디캡') return rng.int(50, 60);
  if (budam === '마령') return 57 - mareAllowance;
  return Math.max(50, Math.min(60, rng.int(54, 58) - mareAllowance));
}

function runRace(seed: string, plan: RacePlan, entrants: Entrant[]): Race {
  const rng = new Rng(seed, 'race', plan.rcDate, plan.meet, plan.rcNo);

  // Scratches: now and then one or two, never leaving fewer than six starters.
  const scratchedGates = new Set<number>();
  for (const entrant of entrants) {
    if (scratchedGates.size < 2 && entrants.length - scratchedGates.size > 6 && rng.chance(0.035))
      scratchedGates.add(entrant.chulNo);
  }
  const starters = entrants.filter((entrant) => !scratchedGates.has(entrant.chulNo));

  // The market sees ability plus noise; the race adds more noise, so favourites win often, not always.
  const marketScores = starters.map((s) => Math.exp(1.3 * (s.horse.ability + s.jockey.skill + rng.gaussian() * 0.3)));
  const marketTotal = marketScores.reduce((sum, score) => sum + score, 0);
  const winOdds = marketScores.map((score) => Math.min(999.9, Math.max(1, round1((0.8 * marketTotal) / score))));
  const performance = starters.map((s) => s.horse.ability + s.jockey.skill + rng.gaussian() * 0.9);
  const finishOrder = starters.map((_, i) => i).sort((a, b) => performance[b] - performance[a]);

  const par = parTime(plan.meet, plan.rcDist) * (1 + rng.gaussian() * 0.01);
  const finalTimes = new Map<number, number>();
  let clock = par;
  finishOrder.forEach((starterIndex, position) => {
    if (position > 0) clock += rng.chance(0.15) ? rng.float(0.6, 1.6) : rng.float(0, 0.5);
    finalTimes.set(starterIndex, round1(clock));
  });

  // Rare special outcomes: a disqualification among the first five, a horse pulled up.
  const disqualified = rng.chance(0.03) ? finishOrder[rng.int(0, Math.min(4, finishOrder.length - 1))] : -1;
  const pulledUp = rng.chance(0.03) ? finishOrder[finishOrder.length - 1 - rng.int(0, 2)] : -1;
  const placed = finishOrder.filter((index) => index !== disqualified && index !== pulledUp);

  const profiles = new Map<number, RunProfile>();
  for (const index of finishOrder) {
    profiles.set(index, {
      finalTime: finalTimes.get(index) ?? par,
      startLoss: rng.float(1.2, 1.8),
      style: rng.float(-1, 1),
    });
  }
  const completed = finishOrder.filter((index) => index !== pulledUp);
  const completedSectionals = sectionals(
    plan.meet,
    plan.rcDist,
    completed.map((index) => profiles.get(index) as RunProfile),
  );
  const sectionalsOf = (index: number): Record<string, RawValue> => {
    const position = completed.indexOf(index);
    return position >= 0 ? completedSectionals[position] : zeroSectionals();
  };

  const cardRow = (entrant: Entrant): ResultRow => {
    const { horse } = entrant;
    // Drawn in this order, as they always were: the day's rows stay what they were for a seed.
    const bodyWeight = horse.bodyWeight + rng.int(-6, 6);
    const bodyWeightChange = rng.int(-12, 12);
    const daysSinceLastStart = rng.int(14, 120);
    const rating = horseRating(horse);
    const carried = carriedWeight(rng, plan.budam, horse);
    const jockeyAllowance = rng.chance(0.1) ? -rng.int(1, 3) : 0;
    return cardRowOf(plan, {
      chulNo: entrant.chulNo,
      horse,
      jockey: entrant.jockey,
      age: ageOn(horse, plan.rcDate),
      daysSinceLastStart,
      rating,
      carriedWeight: carried,
      bodyWeight,
      bodyWeightChange,
      jockeyAllowance,
    });
  };

  const rows: ResultRow[] = [];
  placed.forEach((index, position) => {
    const previous = placed[position - 1];
    rows.push({
      ...cardRow(starters[index]),
      ...sectionalsOf(index),
      ord: position + 1,
      ordBigo: '-',
      diffUnit: position === 0 ? '-' : marginText((finalTimes.get(index) ?? 0) - (finalTimes.get(previous) ?? 0)),
      rankRise: position === 0 && rng.chance(0.3) ? 1 : 0,
      rcTime: finalTimes.get(index) ?? 0,
      winOdds: winOdds[index],
      plcOdds: placeOdds(rng, winOdds[index]),
    });
  });
  const specialRow = (index: number, ord: number, ordBigo: string, rcTime: number): ResultRow => ({
    ...cardRow(starters[index]),
    ...sectionalsOf(index),
    ord,
    ordBigo,
    diffUnit: '-',
    rankRise: 0,
    rcTime,
    winOdds: winOdds[index],
    plcOdds: placeOdds(rng, winOdds[index]),
  });
  if (disqualified >= 0)
    rows.push(specialRow(disqualified, ORD_DISQUALIFIED, '실격', finalTimes.get(disqualified) ?? 0));
  if (pulledUp >= 0) rows.push(specialRow(pulledUp, ORD_PULLED_UP, '주행중지', 0));

  const scratches: Scratch[] = [];
  for (const entrant of entrants.filter((e) => scratchedGates.has(e.chulNo))) {
    const reason = rng.pick(SCRATCH_REASONS);
    rows.push(scratchedRow(cardRow(entrant)));
    scratches.push({ chulNo: entrant.chulNo, hrNo: entrant.horse.hrNo, hrName: entrant.horse.hrName, reason });
  }

  return {
    plan,
    rows: rows.map(sortKeys),
    scratches,
    dividends: computeDividends(new Rng(seed, 'dividends', plan.rcDate, plan.meet, plan.rcNo), rows),
  };
}

function placeOdds(rng: Rng, winOdds: number): number {
  return Math.max(1, round1(1 + (winOdds - 1) * 0.2 * rng.float(0.6, 1.4)));
}

/**
 * Final dividends of a run race, from its rows: WIN pays the winner's winOdds, PLC each of the
 * first three at its plcOdds, the exotic pools plausible multiples of the top finishers' odds.
 */
export function computeDividends(rng: Rng, rows: ResultRow[]): Dividend[] {
  const top = [1, 2, 3]
    .map((ord) => rows.find((row) => row.ord === ord))
    .filter((row): row is ResultRow => row !== undefined);
  if (top.length < 3) return [];
  const [first, second, third] = top;
  const gate = (row: ResultRow): number => Number(row.chulNo);
  const win = (row: ResultRow): number => Number(row.winOdds);
  const plc = (row: ResultRow): number => Number(row.plcOdds);
  const ascending = (...rows: ResultRow[]): [number, number, number] => {
    const gates = rows.map(gate).sort((a, b) => a - b);
    return [gates[0], gates[1] ?? 0, gates[2] ?? 0];
  };
  // A pool with no winning ticket sold shows 9999.9; high payouts are capped at it too.
  const exotic = (odds: number): number =>
    rng.chance(0.02) ? NO_SALE_ODDS : Math.min(NO_SALE_ODDS, Math.max(1, round1(odds)));
  const dividends: Dividend[] = [
    { pool: 'WIN', chulNo: gate(first), chulNo2: 0, chulNo3: 0, odds: win(first) },
    ...top.map((row): Dividend => ({ pool: 'PLC', chulNo: gate(row), chulNo2: 0, chulNo3: 0, odds: plc(row) })),
  ];
  const qnl = exotic(win(first) * win(second) * rng.float(0.3, 0.6));
  const [q1, q2] = ascending(first, second);
  dividends.push({ pool: 'QNL', chulNo: q1, chulNo2: q2, chulNo3: 0, odds: qnl });
  dividends.push({
    pool: 'EXA',
    chulNo: gate(first),
    chulNo2: gate(second),
    chulNo3: 0,
    odds: exotic(qnl * rng.float(1.6, 2.2)),
  });
  for (const [a, b] of [
    [first, second],
    [first, third],
    [second, third],
  ]) {
    const [p1, p2] = ascending(a, b);
    dividends.push({
      pool: 'QPL',
      chulNo: p1,
      chulNo2: p2,
      chulNo3: 0,
      odds: exotic(plc(a) * plc(b) * rng.float(0.8, 1.5)),
    });
  }
  const tla = exotic(win(first) * win(second) * win(third) * rng.float(0.08, 0.15));
  const [t1, t2, t3] = ascending(first, second, third);
  dividends.push({ pool: 'TLA', chulNo: t1, chulNo2: t2, chulNo3: t3, odds: tla });
  dividends.push({
    pool: 'TRI',
    chulNo: gate(first),
    chulNo2: gate(second),
    chulNo3: gate(third),
    odds: exotic(tla * rng.float(4, 6)),
  });
  return dividends;
}

/** Generates the whole race day. `population` must be createPopulation(seed, meet). */
export function generateRaceDay(seed: string, rcDate: string, meet: MeetCode, population: Population): RaceDay {
  const plans = planRaceDay(seed, rcDate, meet);
  const rng = new Rng(seed, 'runners', rcDate, meet);
  // Each horse runs at most once a day: draw every race's field from one shuffled pool.
  let pool = rng.shuffle(population.horses.filter((horse) => ageOn(horse, rcDate) >= 2 && ageOn(horse, rcDate) <= 9));
  const races = plans.map((plan) => {
    const fieldSize = meet === 2 ? rng.int(7, 12) : rng.int(7, 14);
    const eligible = pool.filter((horse) => plan.sexCond !== '암말' || horse.sex === '암');
    const horses = eligible.slice(0, fieldSize);
    pool = pool.filter((horse) => !horses.includes(horse));
    const jockeys = rng.shuffle(population.jockeys).slice(0, horses.length);
    const entrants = horses.map((horse, i) => ({ horse, jockey: jockeys[i], chulNo: i + 1 }));
    return runRace(seed, plan, entrants);
  });
  return { meet, rcDate, races };
}
