/**
 * What the analysis features are made of: the bands races are grouped by, and the shapes of one
 * runner's features. Change FEATURE_VERSION whenever a definition changes meaning.
 */
export const FEATURE_VERSION = 2;

/** Distance bands: sprint up to 1,200 m, mile 1,300–1,600 m, middle 1,700–2,000 m, long beyond. */
export type DistanceBand = 'sprint' | 'mile' | 'middle' | 'long';

export function distanceBand(distanceM: number | null): DistanceBand | null {
  if (distanceM === null || distanceM <= 0) return null;
  if (distanceM <= 1200) return 'sprint';
  if (distanceM <= 1600) return 'mile';
  if (distanceM <= 2000) return 'middle';
  return 'long';
}

/** Going bands by the track's moisture (%), as KRA measures it: dry < 6, good 6–9, wet 10–14, sloppy 15+. */
export type GoingBand = 'dry' | 'good' | 'wet' | 'sloppy';
export const GOING_BANDS: readonly GoingBand[] = ['dry', 'good', 'wet', 'sloppy'];

export function goingBand(moisturePercent: number | null): GoingBand | null {
  if (moisturePercent === null || Number.isNaN(moisturePercent)) return null;
  if (moisturePercent < 6) return 'dry';
  if (moisturePercent < 10) return 'good';
  if (moisturePercent < 15) return 'wet';
  return 'sloppy';
}

/**
 * A class's level from KRA's `rank` text: 국6등급 / 혼4등급 / 1등급 … → the digit (1 is the top
 * class); open and graded races (오픈, 특별, none) have none.
 */
export function classLevel(raceClass: string | null): number | null {
  const match = raceClass?.match(/([1-6])등급/);
  return match ? Number(match[1]) : null;
}

/** Starts, wins and top-3 finishes, with their rates (null without starts). */
export interface Record3 {
  starts: number;
  wins: number;
  top3: number;
  winRate: number | null;
  top3Rate: number | null;
}

export interface PastStartLine {
  date: string;
  meet: number;
  raceNo: number;
  distanceM: number | null;
  going: GoingBand | null;
  raceClass: string | null;
  fieldSize: number;
  gate: number;
  carriedWeightKg: number | null;
  /** null when not placed: disqualified or pulled up (see status). */
  position: number | null;
  status: 'finished' | 'disqualified' | 'pulled_up';
  /** (position − 1) / (field − 1): 0 the winner, 1 last; null when not placed. */
  relativePosition: number | null;
  /** Seconds behind the winner's time; 0 for a winner. */
  behindWinnerS: number | null;
  speedFigure: number | null;
  /** Position at the first sectional point (1 = leading), and relative to the field. */
  earlyPosition: number | null;
  earlyRelative: number | null;
  /** The last 600 m, in seconds. */
  closingSectionalS: number | null;
}

export type RunningStyle = 'front' | 'stalker' | 'closer';

/** Starts and placings, as KRA counts them. */
export interface PlaceCounts {
  starts: number;
  wins: number;
  seconds: number;
  thirds: number;
}

/** The counts KRA reported in the pre-race snapshot, beside ours counted as of the same instant. */
export interface KraCountCheck {
  reported: { career: PlaceCounts | null; thisYear: PlaceCounts | null };
  /** Ours, from the race days before the snapshot's fetch day (KST). */
  ours: { career: PlaceCounts; thisYear: PlaceCounts };
  /** Whether our database holds the whole period a count covers: only then must the two agree. */
  comparable: { career: boolean; thisYear: boolean };
  /** null where not comparable or not reported. */
  agrees: { career: boolean | null; thisYear: boolean | null };
}

export interface KraReported {
  takenAt: string;
  takenBeforeStart: boolean;
  horse: KraCountCheck | null;
  jockey: KraCountCheck | null;
  trainer: KraCountCheck | null;
}

/** One runner's features for one race, as of the start of its race day (KST). */
export interface RunnerFeatures {
  gate: number;
  hrNo: string;
  jkNo: string | null;
  trNo: string | null;
  scratched: boolean;
  form: {
    lastStarts: PastStartLine[];
    daysSinceLastStart: number | null;
    startsLast60Days: number;
    firstStart: boolean;
  };
  record: {
    career: Record3 & { prize: number };
    last365Days: Record3 & { prize: number };
  };
  aptitude: {
    distanceBand: DistanceBand | null;
    atDistance: Record3;
    byGoing: Record<GoingBand, Record3>;
    /** Today's going band: null, since the going is announced only with the result. */
    going: GoingBand | null;
    atGoing: Record3 | null;
    atMeet: Record3;
  };
  classAndWeight: {
    rating: number | null;
    ratingChange: number | null;
    raceClass: string | null;
    /** Class levels up (positive) or down (negative) since the last start; null when unknown. */
    classMove: number | null;
    carriedWeightKg: number | null;
    carriedWeightChange: number | null;
    bodyWeightKg: number | null;
    bodyWeightChange: number | null;
  };
  connections: {
    jockey: PersonForm | null;
    trainer: PersonForm | null;
    /** This jockey with this trainer, last 365 days. */
    jockeyTrainer: Record3;
    /** This jockey on this horse, career (the horse's record under today's jockey). */
    jockeyHorse: Record3;
    jockeyChanged: boolean | null;
  };
  speed: { last: number | null; best: number | null; averageLast3: number | null };
  pace: { runningStyle: RunningStyle | null; averageEarlyRelative: number | null };
  draw: DrawEffect;
  /** KRA's own counts from the pre-race snapshot (null without one), never mixed into ours. */
  kra: KraReported | null;
}

export interface PersonForm {
  days30: Record3;
  days90: Record3;
  days365: Record3;
  /** Actual over expected wins, last 365 days, expected from the final-odds market (takeout removed). */
  ae365: number | null;
}

export interface DrawEffect {
  gate: number;
  distanceBand: DistanceBand | null;
  starts: number;
  wins: number;
  /** Σ 1/field over those starts: the wins a gate with no effect would have. */
  expectedWins: number;
  /** wins / expectedWins (null with no starts). */
  ae: number | null;
}

export interface RaceFeatures {
  date: string;
  meet: number;
  raceNo: number;
  /** History counts up to this instant: the race day's 00:00 in Asia/Seoul. */
  asOf: string;
  version: number;
  distanceM: number | null;
  raceClass: string | null;
  /** Runners whose running style is `front`, among those not scratched. */
  likelyFrontRunners: number;
  runners: RunnerFeatures[];
}
