/** What the features are computed from: stored races with their runners and results. */
export interface HistoryRace {
  /** YYYY-MM-DD, a KST calendar date. */
  date: string;
  meet: number;
  raceNo: number;
  distanceM: number | null;
  raceClass: string | null;
  /** The observed going of a run race (%). */
  moisturePercent: number | null;
  /** Prize money by place, 1st first. */
  prizes: number[];
  runners: HistoryRunner[];
}

export interface HistoryRunner {
  gate: number;
  hrNo: string;
  jkNo: string | null;
  trNo: string | null;
  carriedWeightKg: number | null;
  bodyWeightKg: number | null;
  bodyWeightChange: number | null;
  rating: number | null;
  scratched: boolean;
  /** null until the result is stored. */
  finishPosition: number | null;
  finishStatus: string | null;
  raceTimeS: number | null;
  winOdds: number | null;
  sectionals: Record<string, number>;
}

/** The entry's pre-race snapshot of KRA's figures, and what fixes the periods they cover. */
export interface CardSnapshot {
  takenAt: string;
  takenBeforeStart: boolean;
  horse: { career?: unknown; thisYear?: unknown } | null;
  jockey: { career?: unknown; thisYear?: unknown } | null;
  trainer: { career?: unknown; thisYear?: unknown } | null;
  /** From master data (they never change): the horse's birth, the jockey's debut, the trainer's licence. */
  horseBirthDate: string | null;
  jockeyDebutDate: string | null;
  trainerLicensedSince: string | null;
}

/** A race as it stood before its start: the card. */
export type RaceCard = Omit<HistoryRace, 'moisturePercent' | 'runners'> & {
  runners: (Omit<HistoryRunner, 'finishPosition' | 'finishStatus' | 'raceTimeS' | 'winOdds' | 'sectionals'> & {
    snapshot?: CardSnapshot | null;
  })[];
};

/** A start: a runner that went off (placed, disqualified or pulled up), with what the race says of it. */
export interface Start {
  date: string;
  day: number;
  meet: number;
  raceNo: number;
  distanceM: number | null;
  moisturePercent: number | null;
  raceClass: string | null;
  fieldSize: number;
  gate: number;
  hrNo: string;
  jkNo: string | null;
  trNo: string | null;
  carriedWeightKg: number | null;
  rating: number | null;
  position: number | null;
  status: 'finished' | 'disqualified' | 'pulled_up';
  timeS: number | null;
  winnerTimeS: number | null;
  /** The market's win probability from the final odds, takeout removed; null without odds. */
  marketWin: number | null;
  prize: number;
  earlyPosition: number | null;
  closingSectionalS: number | null;
}

const START_STATUSES = new Set(['finished', 'disqualified', 'pulled_up']);

/** Days since 1970-01-01 of a YYYY-MM-DD date. */
export function dayNumber(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
}

/** The first sectional position the track reports: Busan's S1F, Seoul's and Jeju's S1F, else the first corner. */
function earlyPosition(sectionals: Record<string, number>): number | null {
  for (const field of ['buS1fOrd', 'sjS1fOrd', 'sj_1cOrd']) if (sectionals[field] > 0) return sectionals[field];
  return null;
}

/** The last 600 m: Busan gives it (bu_3fGTime), Jeju too (jeG3fTime); Seoul gives the time at that point. */
function closingSectional(sectionals: Record<string, number>, timeS: number | null): number | null {
  if (sectionals.bu_3fGTime > 0) return sectionals.bu_3fGTime;
  if (sectionals.jeG3fTime > 0) return sectionals.jeG3fTime;
  if (sectionals.seG3fAccTime > 0 && timeS !== null && timeS > sectionals.seG3fAccTime)
    return Math.round((timeS - sectionals.seG3fAccTime) * 10) / 10;
  return null;
}

/** The starts of a run race: scratched runners and races without results give none. */
export function startsOf(race: HistoryRace): Start[] {
  const went = race.runners.filter(
    (runner) => !runner.scratched && runner.finishStatus !== null && START_STATUSES.has(runner.finishStatus),
  );
  if (went.length === 0) return [];
  const winnerTimes = went
    .filter((runner) => runner.finishPosition === 1 && runner.raceTimeS !== null && runner.raceTimeS > 0)
    .map((runner) => runner.raceTimeS as number);
  const winnerTimeS = winnerTimes.length > 0 ? Math.min(...winnerTimes) : null;
  const priced = went.every((runner) => runner.winOdds !== null && runner.winOdds > 0);
  const overround = priced ? went.reduce((sum, runner) => sum + 1 / (runner.winOdds as number), 0) : 0;
  const day = dayNumber(race.date);
  return went.map((runner) => {
    const timeS = runner.raceTimeS !== null && runner.raceTimeS > 0 ? runner.raceTimeS : null;
    const position = runner.finishStatus === 'finished' ? runner.finishPosition : null;
    return {
      date: race.date,
      day,
      meet: race.meet,
      raceNo: race.raceNo,
      distanceM: race.distanceM,
      moisturePercent: race.moisturePercent,
      raceClass: race.raceClass,
      fieldSize: went.length,
      gate: runner.gate,
      hrNo: runner.hrNo,
      jkNo: runner.jkNo,
      trNo: runner.trNo,
      carriedWeightKg: runner.carriedWeightKg,
      rating: runner.rating,
      position,
      status: runner.finishStatus as Start['status'],
      timeS,
      winnerTimeS,
      marketWin: priced ? 1 / (runner.winOdds as number) / overround : null,
      prize: position !== null && position <= race.prizes.length ? race.prizes[position - 1] : 0,
      earlyPosition: earlyPosition(runner.sectionals),
      closingSectionalS: closingSectional(runner.sectionals, timeS),
    };
  });
}
