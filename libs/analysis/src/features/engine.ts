import {
  classLevel,
  distanceBand,
  DistanceBand,
  DrawEffect,
  FEATURE_VERSION,
  GOING_BANDS,
  GoingBand,
  goingBand,
  KraCountCheck,
  KraReported,
  PlaceCounts,
  PastStartLine,
  PersonForm,
  RaceFeatures,
  Record3,
  RunnerFeatures,
  RunningStyle,
} from './definitions';
import { addDays, dashed, kstDateOf, meetsRacingOn } from '@app/calendar';
import { CardSnapshot, dayNumber, HistoryRace, RaceCard, Start, startsOf } from './history';

/** How many past starts the form shows, and how many winners' times a par (or a class's points) needs. */
const FORM_STARTS = 6;
const MIN_PAR_WINNERS = 3;
/** A day's track variant needs this many winners with a par. */
const MIN_VARIANT_RACES = 3;

/** The first day of a year on which a meet races, by the calendar (YYYY-MM-DD). */
function firstRaceDayOf(year: string, meet: number): string {
  let day = `${year}0101`;
  while (!meetsRacingOn(day).includes(meet)) day = addDays(day, 1);
  return dashed(day);
}

// (+ 0 turns a rounded −0 into 0.)
const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits + 0;

export function record3(starts: readonly Start[]): Record3 {
  let wins = 0;
  let top3 = 0;
  for (const start of starts) {
    if (start.position === 1) wins += 1;
    if (start.position !== null && start.position <= 3) top3 += 1;
  }
  const n = starts.length;
  return {
    starts: n,
    wins,
    top3,
    winRate: n > 0 ? round(wins / n, 4) : null,
    top3Rate: n > 0 ? round(top3 / n, 4) : null,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** A median and how many values it is of. */
export interface ParValue {
  timeS: number;
  winners: number;
}

/**
 * What the speed figures in force on a date are measured against, all from the winners of the race
 * days before it: the median winning time per meet, distance and going band, and per meet and
 * distance; per meet and class level, how many points its median winner runs above those pars; and
 * per race day and meet, the track's variant: how many points faster than par for their class that
 * day's winners ran (the going measured by the clock, where the announced band is coarse).
 */
export interface SpeedPars {
  byGoing: Map<string, ParValue>;
  byDistance: Map<string, ParValue>;
  /** `meet|classLevel` → points. */
  byClass: Map<string, { points: number; winners: number }>;
  /** `YYYY-MM-DD|meet` → points. */
  variants: Map<string, { points: number; races: number }>;
}

/** Starts by a key, each list in date order; `before(list, day)` is the part before a day. */
function before(list: readonly Start[], day: number): Start[] {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (list[middle].day < day) low = middle + 1;
    else high = middle;
  }
  return list.slice(0, low);
}

function since(list: readonly Start[], fromDay: number): Start[] {
  let index = list.length;
  while (index > 0 && list[index - 1].day >= fromDay) index -= 1;
  return list.slice(index);
}

/** Appends to the list a map keeps under a key (none for a null key). */
export function push<K, V>(map: Map<K, V[]>, key: K | null, value: V): void {
  if (key === null) return;
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The stored history, indexed for as-of questions: every answer for a race day D reads only the
 * starts of race days before D. Races may be added in any order.
 */
export class FeatureHistory {
  private readonly starts: Start[] = [];
  private byHorse = new Map<string, Start[]>();
  private byJockey = new Map<string, Start[]>();
  private byTrainer = new Map<string, Start[]>();
  private sorted = true;
  private readonly parsCache = new Map<number, SpeedPars>();
  private readonly drawCache = new Map<number, Map<string, DrawEffect>>();

  constructor(races: Iterable<HistoryRace> = []) {
    for (const race of races) this.add(race);
  }

  add(race: HistoryRace): void {
    for (const start of startsOf(race)) this.starts.push(start);
    this.sorted = false;
    this.parsCache.clear();
    this.drawCache.clear();
  }

  get size(): number {
    return this.starts.length;
  }

  private index(): void {
    if (this.sorted) return;
    this.starts.sort((a, b) => a.day - b.day || a.meet - b.meet || a.raceNo - b.raceNo || a.gate - b.gate);
    this.byHorse = new Map();
    this.byJockey = new Map();
    this.byTrainer = new Map();
    for (const start of this.starts) {
      push(this.byHorse, start.hrNo, start);
      push(this.byJockey, start.jkNo, start);
      push(this.byTrainer, start.trNo, start);
    }
    this.sorted = true;
  }

  /** A horse's starts before a race day, oldest first. */
  horseStarts(hrNo: string, date: string): Start[] {
    this.index();
    return before(this.byHorse.get(hrNo) ?? [], dayNumber(date));
  }

  private personStarts(map: Map<string, Start[]>, id: string | null, day: number): Start[] {
    return id === null ? [] : before(map.get(id) ?? [], day);
  }

  /** A horse's last `limit` starts before a race day as form lines, newest first, with figures against that day's pars. */
  formLines(hrNo: string, date: string, limit: number): PastStartLine[] {
    const pars = this.pars(date);
    return this.horseStarts(hrNo, date)
      .slice(-limit)
      .reverse()
      .map((start) => formLine(start, speedFigure(start, pars)));
  }

  /** Pars in force on a race day: from the winners of the race days before it. */
  pars(date: string): SpeedPars {
    this.index();
    const day = dayNumber(date);
    const cached = this.parsCache.get(day);
    if (cached) return cached;
    const winners = before(this.starts, day).filter(
      (start) => start.position === 1 && start.timeS !== null && start.distanceM !== null,
    );
    const byGoing = new Map<string, number[]>();
    const byDistance = new Map<string, number[]>();
    for (const start of winners) {
      const key = `${start.meet}|${start.distanceM}`;
      const going = goingBand(start.moisturePercent);
      if (going) push(byGoing, `${key}|${going}`, start.timeS as number);
      push(byDistance, key, start.timeS as number);
    }
    const settle = (map: Map<string, number[]>): Map<string, ParValue> =>
      new Map(
        [...map]
          .filter(([, times]) => times.length >= MIN_PAR_WINNERS)
          .map(([key, times]) => [key, { timeS: round(median(times), 2), winners: times.length }]),
      );
    const pars: SpeedPars = {
      byGoing: settle(byGoing),
      byDistance: settle(byDistance),
      byClass: new Map(),
      variants: new Map(),
    };
    // Each winner's points above par, then the class levels' medians, then each day's variant: the
    // median over its winners of their points above their class's (a day of better classes is not a fast track).
    const rated = winners
      .map((start) => ({ start, points: parFigure(start, pars) }))
      .filter((winner): winner is { start: Start; points: number } => winner.points !== null);
    const byClass = new Map<string, number[]>();
    for (const { start, points } of rated) push(byClass, classKey(start), points - 100);
    for (const [key, points] of byClass)
      if (points.length >= MIN_PAR_WINNERS)
        pars.byClass.set(key, { points: round(median(points)), winners: points.length });
    const byDay = new Map<string, number[]>();
    for (const { start, points } of rated) {
      const level = pars.byClass.get(classKey(start) ?? '');
      if (level) push(byDay, `${start.date}|${start.meet}`, points - 100 - level.points);
    }
    for (const [key, points] of byDay)
      if (points.length >= MIN_VARIANT_RACES)
        pars.variants.set(key, { points: round(median(points)), races: points.length });
    this.parsCache.set(day, pars);
    return pars;
  }

  /** Gate records per meet and distance band before a race day. */
  draw(date: string): Map<string, DrawEffect> {
    this.index();
    const day = dayNumber(date);
    const cached = this.drawCache.get(day);
    if (cached) return cached;
    const effects = new Map<string, DrawEffect>();
    for (const start of before(this.starts, day)) {
      const band = distanceBand(start.distanceM);
      const key = `${start.meet}|${band}|${start.gate}`;
      const effect = effects.get(key) ?? {
        gate: start.gate,
        distanceBand: band,
        starts: 0,
        wins: 0,
        expectedWins: 0,
        ae: null,
      };
      effect.starts += 1;
      if (start.position === 1) effect.wins += 1;
      effect.expectedWins += 1 / start.fieldSize;
      effects.set(key, effect);
    }
    for (const effect of effects.values()) {
      effect.ae = effect.expectedWins > 0 ? round(effect.wins / effect.expectedWins, 3) : null;
      effect.expectedWins = round(effect.expectedWins, 3);
    }
    this.drawCache.set(day, effects);
    return effects;
  }

  /** The first race day we hold of a meet: our counts there cover only what came after it. */
  private coverageStart(meet: number): string | null {
    this.index();
    return this.starts.find((start) => start.meet === meet)?.date ?? null;
  }

  /**
   * KRA's counts from the snapshot beside ours as of the snapshot's fetch day. A this-year count is
   * comparable when our history of the race's meet starts no later than that year's first race day
   * there; a career when it starts before the career could have (a horse's second birthday, a
   * jockey's debut, a trainer's licence).
   */
  private kraReported(
    meet: number,
    hrNo: string,
    jkNo: string | null,
    trNo: string | null,
    snapshot: CardSnapshot,
  ): KraReported {
    const day = dashed(kstDateOf(new Date(snapshot.takenAt)));
    const dayNo = dayNumber(day);
    const coverage = this.coverageStart(meet);
    const yearStart = `${day.slice(0, 4)}-01-01`;
    const thisYearComparable = coverage !== null && coverage <= firstRaceDayOf(day.slice(0, 4), meet);
    const check = (
      list: Start[] | undefined,
      part: { career?: unknown; thisYear?: unknown } | null,
      careerStart: string | null,
    ): KraCountCheck | null => {
      if (!part) return null;
      const earlier = before(list ?? [], dayNo);
      const ours = {
        career: placeCounts(earlier),
        thisYear: placeCounts(earlier.filter((start) => start.date >= yearStart)),
      };
      const reported = { career: reportedCounts(part.career), thisYear: reportedCounts(part.thisYear) };
      const comparable = {
        career: coverage !== null && careerStart !== null && coverage <= careerStart,
        thisYear: thisYearComparable,
      };
      return {
        reported,
        ours,
        comparable,
        agrees: {
          career: comparable.career && reported.career ? sameCounts(reported.career, ours.career) : null,
          thisYear: comparable.thisYear && reported.thisYear ? sameCounts(reported.thisYear, ours.thisYear) : null,
        },
      };
    };
    const horseCareerStart = snapshot.horseBirthDate
      ? `${Number(snapshot.horseBirthDate.slice(0, 4)) + 2}${snapshot.horseBirthDate.slice(4)}`
      : null;
    return {
      takenAt: new Date(snapshot.takenAt).toISOString(),
      takenBeforeStart: snapshot.takenBeforeStart,
      horse: check(this.byHorse.get(hrNo), snapshot.horse, horseCareerStart),
      jockey: jkNo === null ? null : check(this.byJockey.get(jkNo), snapshot.jockey, snapshot.jockeyDebutDate),
      trainer: trNo === null ? null : check(this.byTrainer.get(trNo), snapshot.trainer, snapshot.trainerLicensedSince),
    };
  }

  /** The features of every runner of a race, as of the start of its race day. */
  raceFeatures(card: RaceCard): RaceFeatures {
    this.index();
    const day = dayNumber(card.date);
    const pars = this.pars(card.date);
    const draw = this.draw(card.date);
    const band = distanceBand(card.distanceM);
    const figure = (start: Start): number | null => speedFigure(start, pars);
    const runners = card.runners.map((runner): RunnerFeatures => {
      const past = this.horseStarts(runner.hrNo, card.date);
      const last = past.at(-1) ?? null;
      const recent = past.slice(-FORM_STARTS).reverse();
      const lines = recent.map((start) => formLine(start, figure(start)));
      const figures = past.map(figure).filter((value): value is number => value !== null);
      const lastThree = recent
        .slice(0, 3)
        .map(figure)
        .filter((value): value is number => value !== null);
      const earlies = lines.map((line) => line.earlyRelative).filter((value): value is number => value !== null);
      const averageEarly = earlies.length > 0 ? round(earlies.reduce((a, b) => a + b, 0) / earlies.length, 3) : null;
      const year = since(past, day - 365);
      const jockeyStarts = this.personStarts(this.byJockey, runner.jkNo, day);
      const trainerStarts = this.personStarts(this.byTrainer, runner.trNo, day);
      const todayLevel = classLevel(card.raceClass);
      const lastLevel = last ? classLevel(last.raceClass) : null;
      const gateKey = `${card.meet}|${band}|${runner.gate}`;
      return {
        gate: runner.gate,
        hrNo: runner.hrNo,
        jkNo: runner.jkNo,
        trNo: runner.trNo,
        scratched: runner.scratched,
        form: {
          lastStarts: lines,
          daysSinceLastStart: last ? day - last.day : null,
          startsLast60Days: since(past, day - 60).length,
          firstStart: past.length === 0,
        },
        record: {
          career: { ...record3(past), prize: past.reduce((sum, start) => sum + start.prize, 0) },
          last365Days: { ...record3(year), prize: year.reduce((sum, start) => sum + start.prize, 0) },
        },
        aptitude: {
          distanceBand: band,
          atDistance: record3(past.filter((start) => band !== null && distanceBand(start.distanceM) === band)),
          byGoing: Object.fromEntries(
            GOING_BANDS.map((going) => [
              going,
              record3(past.filter((start) => goingBand(start.moisturePercent) === going)),
            ]),
          ) as Record<GoingBand, Record3>,
          going: null,
          atGoing: null,
          atMeet: record3(past.filter((start) => start.meet === card.meet)),
        },
        classAndWeight: {
          rating: runner.rating,
          ratingChange: runner.rating !== null && last?.rating != null ? runner.rating - last.rating : null,
          raceClass: card.raceClass,
          classMove: todayLevel !== null && lastLevel !== null ? lastLevel - todayLevel : null,
          carriedWeightKg: runner.carriedWeightKg,
          carriedWeightChange:
            runner.carriedWeightKg !== null && last?.carriedWeightKg != null
              ? round(runner.carriedWeightKg - last.carriedWeightKg)
              : null,
          bodyWeightKg: runner.bodyWeightKg,
          bodyWeightChange: runner.bodyWeightChange,
        },
        connections: {
          jockey: runner.jkNo === null ? null : personForm(jockeyStarts, day),
          trainer: runner.trNo === null ? null : personForm(trainerStarts, day),
          jockeyTrainer: record3(
            runner.trNo === null ? [] : since(jockeyStarts, day - 365).filter((start) => start.trNo === runner.trNo),
          ),
          jockeyHorse: record3(runner.jkNo === null ? [] : past.filter((start) => start.jkNo === runner.jkNo)),
          jockeyChanged: last && runner.jkNo !== null && last.jkNo !== null ? last.jkNo !== runner.jkNo : null,
        },
        speed: {
          last: last ? figure(last) : null,
          best: figures.length > 0 ? Math.max(...figures) : null,
          averageLast3: lastThree.length > 0 ? round(lastThree.reduce((a, b) => a + b, 0) / lastThree.length) : null,
        },
        pace: { runningStyle: runningStyle(averageEarly), averageEarlyRelative: averageEarly },
        kra: runner.snapshot
          ? this.kraReported(card.meet, runner.hrNo, runner.jkNo, runner.trNo, runner.snapshot)
          : null,
        draw: draw.get(gateKey) ?? {
          gate: runner.gate,
          distanceBand: band,
          starts: 0,
          wins: 0,
          expectedWins: 0,
          ae: null,
        },
      };
    });
    return {
      date: card.date,
      meet: card.meet,
      raceNo: card.raceNo,
      asOf: new Date(`${card.date}T00:00:00+09:00`).toISOString(),
      version: FEATURE_VERSION,
      distanceM: card.distanceM,
      raceClass: card.raceClass,
      likelyFrontRunners: runners.filter((runner) => !runner.scratched && runner.pace.runningStyle === 'front').length,
      runners,
    };
  }
}

function placeCounts(starts: readonly Start[]): PlaceCounts {
  return {
    starts: starts.length,
    wins: starts.filter((start) => start.position === 1).length,
    seconds: starts.filter((start) => start.position === 2).length,
    thirds: starts.filter((start) => start.position === 3).length,
  };
}

/** A snapshot's counts, when they have KRA's shape. */
function reportedCounts(value: unknown): PlaceCounts | null {
  if (value === null || typeof value !== 'object') return null;
  const counts = value as Record<string, unknown>;
  const keys = ['starts', 'wins', 'seconds', 'thirds'] as const;
  if (!keys.every((key) => typeof counts[key] === 'number')) return null;
  return {
    starts: counts.starts as number,
    wins: counts.wins as number,
    seconds: counts.seconds as number,
    thirds: counts.thirds as number,
  };
}

const sameCounts = (a: PlaceCounts, b: PlaceCounts): boolean =>
  a.starts === b.starts && a.wins === b.wins && a.seconds === b.seconds && a.thirds === b.thirds;

function classKey(start: Start): string | null {
  const level = classLevel(start.raceClass);
  return level === null ? null : `${start.meet}|${level}`;
}

/** A run's time against the par for its meet, distance and going band (100 = par), before the day's variant. */
function parFigure(start: Start, pars: SpeedPars): number | null {
  if (start.timeS === null || start.distanceM === null) return null;
  const key = `${start.meet}|${start.distanceM}`;
  const going = goingBand(start.moisturePercent);
  const par = (going ? pars.byGoing.get(`${key}|${going}`) : undefined) ?? pars.byDistance.get(key);
  if (!par) return null;
  return 100 + (1000 * (par.timeS - start.timeS)) / par.timeS;
}

/**
 * A run's speed figure: 100 is the par (the median winning time at that meet and distance, in
 * that going band when it has enough winners), each 0.1 % of the par time faster adds a point
 * (at 1,200 m about 0.07 s, a third of a length), less the day's track variant (a day on which
 * every winner ran 5 points faster than its class usually does is a fast track: its figures lose
 * 5). Null without a time or a par.
 */
export function speedFigure(start: Start, pars: SpeedPars): number | null {
  const points = parFigure(start, pars);
  if (points === null) return null;
  return round(points - (pars.variants.get(`${start.date}|${start.meet}`)?.points ?? 0));
}

function formLine(start: Start, figure: number | null): PastStartLine {
  const placedOf = start.fieldSize > 1 ? start.fieldSize - 1 : 1;
  return {
    date: start.date,
    meet: start.meet,
    raceNo: start.raceNo,
    distanceM: start.distanceM,
    going: goingBand(start.moisturePercent),
    raceClass: start.raceClass,
    fieldSize: start.fieldSize,
    gate: start.gate,
    carriedWeightKg: start.carriedWeightKg,
    position: start.position,
    status: start.status,
    relativePosition: start.position !== null ? round((start.position - 1) / placedOf, 3) : null,
    behindWinnerS:
      start.timeS !== null && start.winnerTimeS !== null ? round(Math.max(0, start.timeS - start.winnerTimeS)) : null,
    speedFigure: figure,
    earlyPosition: start.earlyPosition,
    earlyRelative: start.earlyPosition !== null ? round((start.earlyPosition - 1) / placedOf, 3) : null,
    closingSectionalS: start.closingSectionalS,
  };
}

/** Front-runners are in the first quarter early, stalkers before 60 % of the field, closers behind. */
function runningStyle(averageEarlyRelative: number | null): RunningStyle | null {
  if (averageEarlyRelative === null) return null;
  if (averageEarlyRelative < 0.25) return 'front';
  return averageEarlyRelative < 0.6 ? 'stalker' : 'closer';
}

function personForm(starts: Start[], day: number): PersonForm {
  const year = since(starts, day - 365);
  const priced = year.filter((start) => start.marketWin !== null);
  const expected = priced.reduce((sum, start) => sum + (start.marketWin as number), 0);
  const wins = priced.filter((start) => start.position === 1).length;
  return {
    days30: record3(since(starts, day - 30)),
    days90: record3(since(starts, day - 90)),
    days365: record3(year),
    ae365: expected > 0 ? round(wins / expected, 3) : null,
  };
}

export type { DistanceBand };
