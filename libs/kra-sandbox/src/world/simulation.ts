import { meetsRacingOn } from '@app/calendar';
import { MeetCode } from '../meets';
import { ORD_DISQUALIFIED, ORD_PULLED_UP } from '../race-day';
import { Rng } from '../random';
import { NormalRng, RaceNoise, winProbabilities } from './normal';

/**
 * A racing world with a history, simulated day by day from a start date: horses debut, improve to
 * a peak and decline, rest, get injured and retire; races are formed by class and rating; results
 * come from a performance model with normal noise; ratings follow results, so they lag the true
 * ability; a betting market estimates each runner's chances with errors (part of them persistent
 * per horse) and a favourite–longshot bias, under a 20 % takeout. Deterministic from the seed.
 *
 * Everything is kept in compact numeric form; the sandbox's services build their rows from it.
 */

export interface WorldOptions {
  seed: string;
  /** YYYYMMDD: the first simulated day. */
  start: string;
  /** YYYYMMDD: the last simulated day. */
  end: string;
  /**
   * Races served from elsewhere (the captured fixture race takes its slot): formed and run as usual,
   * so the rest of the world stays the same, but no career, rating or rest count counts them.
   */
  replaced?: { date: string; meet: MeetCode; rcNo: number }[];
}

export const WIN_TAKEOUT = 0.2;

/** Where the sandbox's world begins: a few years back, so every service has a history to answer from. */
export const WORLD_START = '20220101';
/** Where it ends: every date a collection may ask for in the years ahead. */
export const WORLD_END = '20271231';

/** Class bands by rating, lowest first (the `rank` KRA prints). */
export const CLASS_BANDS = [
  { rank: '국6등급', minRating: 0, firstPrize: 16_500_000 },
  { rank: '국5등급', minRating: 30, firstPrize: 19_000_000 },
  { rank: '국4등급', minRating: 45, firstPrize: 23_000_000 },
  { rank: '국3등급', minRating: 60, firstPrize: 28_000_000 },
  { rank: '국2등급', minRating: 75, firstPrize: 38_000_000 },
  { rank: '국1등급', minRating: 90, firstPrize: 50_000_000 },
] as const;

const DISTANCES: Record<MeetCode, number[]> = {
  1: [1000, 1200, 1200, 1300, 1400, 1400, 1600, 1700, 1800, 1800, 1900, 2000, 2300],
  2: [800, 900, 1000, 1000, 1100, 1200, 1200, 1400, 1600, 1700, 1800],
  3: [1000, 1200, 1200, 1300, 1400, 1400, 1600, 1800, 1800, 1900, 2000, 2200],
  4: [1000, 1200],
};
const RACES_PER_DAY: Record<MeetCode, [number, number]> = { 1: [10, 12], 2: [7, 9], 3: [8, 10], 4: [0, 0] };
/** Field sizes as on real cards: 5 to 16, most 9 to 12. */
const FIELD_SIZES = [5, 6, 7, 7, 8, 8, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11, 12, 12, 12, 13, 13, 14, 15, 16];
const MEETS: MeetCode[] = [1, 2, 3];
/** Per race: the chance of a runner pulled up, and (apart) of one disqualified. */
const INCIDENT_CHANCE = 0.01;
/** Horses foaled per year and meet. */
const FOAL_CROP: Record<MeetCode, number> = { 1: 420, 2: 260, 3: 330, 4: 0 };
const JOCKEYS_PER_MEET = 40;
const TRAINERS_PER_MEET = 35;

/** Weights of the performance model (units: standard deviations of the race noise). */
const MODEL = {
  noise: 1.25,
  troubleChance: 0.14,
  troubleLoss: 1.8,
  abilitySpread: 1.1,
  agePeakPenalty: 0.08,
  drift: 0.06,
  restPenalty: 0.35,
  firstStartPenalty: 0.15,
  distanceFit: 2.5,
  going: 0.35,
  draw: 0.35,
  pace: 0.12,
  weightPerKg: 0.045,
  jockey: 0.22,
  trainer: 0.18,
  trainerForm: 0.12,
  pairing: 0.1,
};

/** The public's view: persistent per-horse error, per-race error, favourite–longshot bias. */
const MARKET = {
  persistentError: 0.1,
  raceError: 0.08,
  /** Exponent on the public's estimate (below 1 flattens it) and a share every runner gets on top: longshots overbet. */
  longshotBias: 0.95,
  longshotFloor: 0.006,
  persistentRenewal: 0.15,
};

export interface SimHorse {
  index: number;
  meet: MeetCode;
  /** 0 colt, 1 filly, 2 gelding. */
  sex: number;
  /** YYYYMMDD */
  birth: number;
  debut: number;
  trainer: number;
  regularJockey: number;
  /** Hidden factors. */
  peak: number;
  peakAge: number;
  drift: number;
  distanceCenter: number;
  distanceWidth: number;
  /** −1 likes it dry … +1 likes it wet. */
  goingPreference: number;
  /** 0 front-runner … 1 closer. */
  style: number;
  drawSensitivity: number;
  consistency: number;
  /** The public's lasting misjudgement of the horse, renewed now and then. */
  publicError: number;
  bodyWeight: number;
  rating: number;
  /** The rating the world began with it (0: unrated). */
  initialRating: number;
  /** The rating after each start, beside `runs`. */
  ratingAfter: number[];
  lastRun: number;
  /** Not entered before this date (rest, injury). */
  availableFrom: number;
  retired: boolean;
  /** Every start: date (YYYYMMDD), finishing position (91 disqualified, 92 pulled up), prize won. */
  runs: { date: number[]; ord: number[]; prize: number[] };
}

export interface SimPerson {
  index: number;
  meet: MeetCode;
  skill: number;
  formPhase: number;
  formPeriod: number;
  runs: { date: number[]; ord: number[]; prize: number[] };
}

export interface SimRunner {
  horse: number;
  jockey: number;
  trainer: number;
  gate: number;
  rating: number;
  carriedWeight: number;
  bodyWeight: number;
  bodyWeightChange: number;
  daysSinceLastRun: number | null;
  scratched: boolean;
  jockeyChanged: boolean;
  /** The deterministic part of the performance, and the noise's standard deviation. */
  mean: number;
  noise: RaceNoise;
  performance: number;
  /** 1 = winner; 91 disqualified, 92 pulled up (as KRA numbers them); 0 for a scratched runner. */
  ord: number;
  /** The public's lasting misjudgement of the horse on the day. */
  publicError: number;
  /** Filled by `priceRace`. */
  truthWin: number;
  publicWin: number;
  winOdds: number;
  /** Hidden factors at the race, for the truth route. */
  ability: number;
}

export interface SimRace {
  date: number;
  meet: MeetCode;
  rcNo: number;
  distance: number;
  classIndex: number;
  moisture: number;
  cancelled: boolean;
  /** Served from elsewhere: see {@link WorldOptions.replaced}. */
  replaced: boolean;
  frontRunners: number;
  runners: SimRunner[];
  /** Whether `priceRace` has filled the runners' probabilities and odds. */
  priced: boolean;
}

export interface WorldHistory {
  options: WorldOptions;
  horses: SimHorse[];
  jockeys: SimPerson[];
  trainers: SimPerson[];
  /** By `YYYYMMDD|meet`. */
  days: Map<string, SimRace[]>;
}

const runsOf = (): { date: number[]; ord: number[]; prize: number[] } => ({ date: [], ord: [], prize: [] });
const yearOf = (date: number): number => Math.floor(date / 10_000);
const toNumber = (date: string): number => Number(date);
const clamp = (value: number, low: number, high: number): number => Math.min(high, Math.max(low, value));

/** Days since 1970-01-01 of a YYYYMMDD number (numeric all the way: this runs for every start). */
function epochDay(date: number): number {
  return Date.UTC(Math.floor(date / 10_000), Math.floor((date % 10_000) / 100) - 1, date % 100) / 86_400_000;
}

function daysBetween(from: number, to: number): number {
  return Math.round(epochDay(to) - epochDay(from));
}

function plusDays(date: number, days: number): number {
  const day = new Date((epochDay(date) + days) * 86_400_000);
  return day.getUTCFullYear() * 10_000 + (day.getUTCMonth() + 1) * 100 + day.getUTCDate();
}

/** Ability on a date: the peak, less a little per year away from the peak age, plus its drift. */
export function abilityOn(horse: SimHorse, date: number): number {
  const age = daysBetween(horse.birth, date) / 365.25;
  return horse.peak - MODEL.agePeakPenalty * (age - horse.peakAge) ** 2 + horse.drift;
}

export function classOf(rating: number): number {
  let index = 0;
  for (let i = 0; i < CLASS_BANDS.length; i++) if (rating >= CLASS_BANDS[i].minRating) index = i;
  return index;
}

function createPeople(seed: string, meet: MeetCode, kind: string, count: number, offset: number): SimPerson[] {
  const rng = new Rng(seed, 'world-people', kind, meet);
  const normal = new NormalRng(rng);
  return Array.from({ length: count }, (_, i) => ({
    index: offset + i,
    meet,
    skill: normal.next(),
    formPhase: rng.float(0, 2 * Math.PI),
    formPeriod: rng.int(60, 200),
    runs: runsOf(),
  }));
}

function createHorse(
  seed: string,
  meet: MeetCode,
  index: number,
  birthYear: number,
  foal: number,
  trainers: SimPerson[],
  jockeys: SimPerson[],
): SimHorse {
  // Seeded by meet, crop and foal, not by position: a longer world holds the same horses.
  const rng = new Rng(seed, 'world-horse', meet, birthYear, foal);
  const normal = new NormalRng(rng);
  const birth = birthYear * 10_000 + rng.int(2, 5) * 100 + rng.int(1, 28);
  const debutAge = rng.chance(0.7) ? 2 : 3;
  const debut = (birthYear + debutAge) * 10_000 + rng.int(3, 11) * 100 + rng.int(1, 28);
  const distanceCenter = meet === 2 ? rng.int(900, 1500) : rng.int(1100, 2100);
  return {
    index,
    meet,
    sex: rng.pick([0, 1, 1, 2, 2]),
    birth,
    debut,
    trainer: rng.pick(trainers).index,
    regularJockey: rng.pick(jockeys).index,
    peak: normal.next() * MODEL.abilitySpread,
    peakAge: rng.float(3.5, 5.5),
    drift: 0,
    distanceCenter,
    distanceWidth: rng.float(200, 450),
    goingPreference: rng.float(-1, 1),
    style: rng.next(),
    drawSensitivity: rng.float(0, 1),
    consistency: rng.float(0.8, 1.2),
    publicError: normal.next() * MARKET.persistentError,
    bodyWeight: meet === 2 ? rng.int(260, 330) : rng.int(420, 520),
    rating: 0,
    initialRating: 0,
    ratingAfter: [],
    lastRun: 0,
    availableFrom: debut,
    retired: false,
    runs: runsOf(),
  };
}

/** Simulates every race day of every meet from `start` to `end`. */
export function simulateWorld(options: WorldOptions): WorldHistory {
  const { seed } = options;
  const start = toNumber(options.start);
  const end = toNumber(options.end);
  const jockeys: SimPerson[] = [];
  const trainers: SimPerson[] = [];
  const horses: SimHorse[] = [];
  const byMeet = new Map<MeetCode, Cast>();
  for (const meet of MEETS) {
    const meetJockeys = createPeople(seed, meet, 'jockey', JOCKEYS_PER_MEET, jockeys.length);
    const meetTrainers = createPeople(seed, meet, 'trainer', TRAINERS_PER_MEET, trainers.length);
    jockeys.push(...meetJockeys);
    trainers.push(...meetTrainers);
    const meetHorses: SimHorse[] = [];
    // Foal crops from seven years before the start (already racing then) to the last year's two-year-olds.
    for (let year = yearOf(start) - 7; year <= yearOf(end) - 2; year++) {
      for (let i = 0; i < FOAL_CROP[meet]; i++) {
        const horse = createHorse(seed, meet, horses.length, year, i, meetTrainers, meetJockeys);
        if (horse.debut < start) {
          // Already racing when the world begins: a rating that reflects its ability, loosely.
          const rng = new Rng(seed, 'world-initial-rating', meet, year, i);
          horse.rating = clamp(Math.round(45 + 16 * abilityOn(horse, start) + rng.float(-8, 8)), 1, 110);
          horse.initialRating = horse.rating;
          horse.availableFrom = plusDays(start, rng.int(0, 40));
          const age = yearOf(start) - year;
          if (age > 8) horse.retired = true;
        }
        horses.push(horse);
        meetHorses.push(horse);
      }
    }
    byMeet.set(meet, {
      unraced: [...meetHorses].sort((a, b) => b.debut - a.debut),
      roster: [],
      jockeys: meetJockeys,
      trainers: meetTrainers,
    });
  }

  const days = new Map<string, SimRace[]>();
  const replaced = new Set((options.replaced ?? []).map((race) => `${race.date}|${race.meet}|${race.rcNo}`));
  for (let date = start; date <= end; date = plusDays(date, 1)) {
    for (const meet of meetsRacingOn(String(date)) as MeetCode[]) {
      const cast = byMeet.get(meet);
      if (!cast) continue;
      updateRoster(cast, date);
      days.set(`${date}|${meet}`, simulateDay(seed, date, meet, cast, horses, replaced));
    }
  }
  return { options, horses, jockeys, trainers, days };
}

/** A meet's people, and its horses: those not yet debuted (latest debut first) and the roster. */
interface Cast {
  unraced: SimHorse[];
  /** Debuted and not retired, in index order (the order entries are considered in). */
  roster: SimHorse[];
  jockeys: SimPerson[];
  trainers: SimPerson[];
}

function updateRoster(cast: Cast, date: number): void {
  let joined = false;
  const roster = cast.roster.filter((horse) => !horse.retired);
  while (cast.unraced.length > 0 && cast.unraced[cast.unraced.length - 1].debut <= date) {
    const horse = cast.unraced.pop() as SimHorse;
    if (!horse.retired) roster.push(horse);
    joined = true;
  }
  if (joined) roster.sort((a, b) => a.index - b.index);
  cast.roster = roster;
}

function simulateDay(
  seed: string,
  date: number,
  meet: MeetCode,
  cast: Cast,
  allHorses: SimHorse[],
  replacedRaces: ReadonlySet<string>,
): SimRace[] {
  const rng = new Rng(seed, 'world-day', date, meet);
  const normal = new NormalRng(rng);
  const [fewest, most] = RACES_PER_DAY[meet];
  const raceCount = rng.int(fewest, most);
  const dayCancelled = rng.chance(0.004);
  const baseMoisture = rng.chance(0.22) ? rng.int(12, 22) : rng.int(1, 9);
  const available = cast.roster.filter((horse) => horse.availableFrom <= date);
  const used = new Set<number>();
  const races: SimRace[] = [];
  // The day's entries by class (ratings change only after the day), first starters counted apart;
  // a horse runs once a day.
  const byClass = CLASS_BANDS.map((): SimHorse[] => []);
  for (const horse of available) byClass[classOf(horse.rating)].push(horse);
  const freeInClass = byClass.map((members) => members.length);
  let freeFirstStarters = available.filter((horse) => horse.runs.date.length === 0).length;
  for (let rcNo = 1; rcNo <= raceCount; rcNo++) {
    if (freeInClass.reduce((sum, count) => sum + count, 0) < 5) break;
    const distance = rng.pick(DISTANCES[meet]);
    // Maidens first on a card, then a class weighted by how many horses it has to offer.
    const classIndex =
      rcNo <= 2 && freeFirstStarters >= 5
        ? 0
        : weightedPick(
            rng,
            freeInClass.map((count) => Math.max(0, count - 4)),
          );
    const candidates = byClass[classIndex].filter((horse) => !used.has(horse.index));
    const fieldSize = Math.min(rng.pick(FIELD_SIZES), candidates.length);
    if (fieldSize < 5) continue;
    // Trainers enter horses at distances that suit them, roughly.
    const field = lowestBy(
      candidates,
      fieldSize,
      (horse) => Math.abs(horse.distanceCenter - distance) / horse.distanceWidth + rng.float(0, 0.6),
    );
    for (const horse of field) {
      used.add(horse.index);
      freeInClass[classIndex] -= 1;
      if (horse.runs.date.length === 0) freeFirstStarters -= 1;
    }
    const moisture = clamp(baseMoisture + rng.int(-1, 1), 1, 25);
    const cancelled = dayCancelled || rng.chance(0.003);
    const replaced = replacedRaces.has(`${date}|${meet}|${rcNo}`);
    races.push(
      runRace(
        seed,
        rng,
        normal,
        { date, meet, rcNo, distance, classIndex, moisture, cancelled, replaced },
        field,
        cast,
      ),
    );
  }
  // Results change the horses only after the whole day (a day's races are run with the morning's ratings).
  for (const race of races) if (!race.cancelled) settle(race, allHorses, cast, rng);
  return races;
}

/**
 * The `count` items of lowest score, lowest first, ties in the items' order: what a stable sort
 * and a slice give, without sorting a whole class of hundreds for a field of a dozen. `score` is
 * called once per item, in order.
 */
export function lowestBy<T>(items: readonly T[], count: number, score: (item: T) => number): T[] {
  const picked: T[] = [];
  const scores: number[] = [];
  for (const item of items) {
    const value = score(item);
    if (picked.length === count && !(value < scores[count - 1])) continue;
    let i = picked.length < count ? picked.length : count - 1;
    picked[i] = item;
    scores[i] = value;
    for (; i > 0 && scores[i - 1] > value; i--) {
      [picked[i - 1], picked[i]] = [picked[i], picked[i - 1]];
      [scores[i - 1], scores[i]] = [scores[i], scores[i - 1]];
    }
  }
  return picked;
}

function weightedPick(rng: Rng, weights: number[]): number {
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  if (total === 0) return 0;
  let draw = rng.float(0, total);
  for (let i = 0; i < weights.length; i++) {
    draw -= weights[i];
    if (draw < 0) return i;
  }
  return weights.length - 1;
}

function runRace(
  seed: string,
  rng: Rng,
  normal: NormalRng,
  race: Omit<SimRace, 'runners' | 'frontRunners' | 'priced'>,
  field: SimHorse[],
  cast: { jockeys: SimPerson[]; trainers: SimPerson[] },
): SimRace {
  const gates = rng.shuffle(field.map((_, i) => i + 1));
  const booked = new Set<number>();
  const classMin = CLASS_BANDS[race.classIndex].minRating;
  const wetness = (race.moisture - 8) / 10;
  const frontRunners = field.filter((horse) => horse.style < 0.3).length;
  const runners: SimRunner[] = field.map((horse, i) => {
    let jockey = horse.regularJockey;
    if (booked.has(jockey) || rng.chance(0.25)) {
      const free = cast.jockeys.filter((person) => !booked.has(person.index));
      jockey = rng.pick(free).index;
    }
    const jockeyChanged = rng.chance(0.015);
    if (jockeyChanged) {
      const free = cast.jockeys.filter((person) => !booked.has(person.index) && person.index !== jockey);
      jockey = rng.pick(free).index;
    }
    booked.add(jockey);
    const gate = gates[i];
    const rest = horse.lastRun ? daysBetween(horse.lastRun, race.date) : null;
    const change = rest === null ? 0 : Math.round(normal.next() * (rest > 90 ? 7 : 3));
    horse.bodyWeight = clamp(horse.bodyWeight + change, race.meet === 2 ? 240 : 400, race.meet === 2 ? 350 : 560);
    const carriedWeight = clamp(
      Math.round(52 + (horse.rating - classMin) / 6 - (horse.sex === 1 ? 2 : 0) + rng.int(-1, 1)),
      48,
      60,
    );
    const trainer = cast.trainers.find((person) => person.index === horse.trainer) as SimPerson;
    const jockeyPerson = cast.jockeys.find((person) => person.index === jockey) as SimPerson;
    const ability = abilityOn(horse, race.date);
    const fitness =
      rest === null ? -MODEL.firstStartPenalty : rest > 60 ? -MODEL.restPenalty * Math.min(1, (rest - 60) / 120) : 0;
    const distanceFit = -MODEL.distanceFit * ((race.distance - horse.distanceCenter) / horse.distanceWidth) ** 2;
    const goingFit = MODEL.going * horse.goingPreference * wetness;
    const draw =
      race.distance <= 1200 ? -MODEL.draw * horse.drawSensitivity * ((gate - 1) / Math.max(1, field.length - 1)) : 0;
    const crowd = Math.max(0, frontRunners - 2);
    const pace = horse.style < 0.3 ? -MODEL.pace * crowd : horse.style > 0.7 ? 0.5 * MODEL.pace * crowd : 0;
    const weight = -MODEL.weightPerKg * (carriedWeight - 54);
    const form =
      MODEL.trainerForm * Math.sin((2 * Math.PI * dayIndex(race.date)) / trainer.formPeriod + trainer.formPhase);
    const pairing = MODEL.pairing * pairingEffect(seed, jockey, horse.trainer);
    const mean =
      ability +
      fitness +
      distanceFit +
      goingFit +
      draw +
      pace +
      weight +
      MODEL.jockey * jockeyPerson.skill +
      MODEL.trainer * trainer.skill +
      form +
      pairing;
    return {
      horse: horse.index,
      jockey,
      trainer: horse.trainer,
      gate,
      rating: horse.rating,
      carriedWeight,
      bodyWeight: horse.bodyWeight,
      bodyWeightChange: change,
      daysSinceLastRun: rest,
      scratched: rng.chance(0.025),
      jockeyChanged,
      mean,
      noise: {
        sigma: MODEL.noise * horse.consistency,
        troubleChance: MODEL.troubleChance,
        troubleLoss: MODEL.troubleLoss,
      },
      performance: 0,
      ord: 0,
      publicError: horse.publicError,
      truthWin: 0,
      publicWin: 0,
      winOdds: 0,
      ability,
    };
  });
  runners.sort((a, b) => a.gate - b.gate);
  // Never fewer than five starters.
  let starters = runners.filter((runner) => !runner.scratched);
  if (starters.length < 5) {
    for (const runner of runners) runner.scratched = false;
    starters = runners;
  }
  for (const runner of starters) {
    const troubled = rng.chance(runner.noise.troubleChance);
    runner.performance = runner.mean - (troubled ? runner.noise.troubleLoss : 0) + runner.noise.sigma * normal.next();
  }
  const finishOrder = [...starters].sort((a, b) => b.performance - a.performance);
  // Now and then one is pulled up late in the race, or one of the first five disqualified after it
  // (drawn apart, so the rest of the world does not change with them); the others close up.
  const incidents = new Rng(seed, 'world-incident', race.date, race.meet, race.rcNo);
  if (incidents.chance(INCIDENT_CHANCE)) finishOrder[finishOrder.length - 1 - incidents.int(0, 2)].ord = ORD_PULLED_UP;
  if (incidents.chance(INCIDENT_CHANCE)) {
    const runner = finishOrder[incidents.int(0, 4)];
    if (runner.ord === 0) runner.ord = ORD_DISQUALIFIED;
  }
  let position = 0;
  for (const runner of finishOrder) if (runner.ord === 0) runner.ord = ++position;
  return { ...race, frontRunners, runners, priced: false };
}

/**
 * The race's true win probabilities and its market, computed when first asked (serving a day,
 * the truth route, the statistics) and kept on the race: the results do not depend on them, and
 * the two quadratures per race are most of a whole world's simulation time.
 */
export function priceRace(seed: string, race: SimRace): SimRace {
  if (race.priced) return race;
  race.priced = true;
  const starters = race.runners.filter((runner) => !runner.scratched);
  if (starters.length === 0) return race;
  const noises = starters.map((runner) => runner.noise);
  const truth = winProbabilities(
    starters.map((runner) => runner.mean),
    noises,
  );
  // The public: the same factors seen with errors, part of them the horse's lasting reputation.
  const normal = new NormalRng(new Rng(seed, 'world-market', race.date, race.meet, race.rcNo));
  const estimate = winProbabilities(
    starters.map((runner) => runner.mean + runner.publicError + MARKET.raceError * normal.next()),
    noises,
  );
  const biased = estimate.map((p) => p ** MARKET.longshotBias + MARKET.longshotFloor);
  const biasedTotal = biased.reduce((sum, p) => sum + p, 0);
  starters.forEach((runner, i) => {
    runner.truthWin = truth[i];
    runner.publicWin = biased[i] / biasedTotal;
    runner.winOdds = clamp(Math.round(((1 - WIN_TAKEOUT) / runner.publicWin) * 10) / 10, 1, 999.9);
  });
  return race;
}

function dayIndex(date: number): number {
  return daysBetween(20000101, date);
}

/** How well a jockey and a trainer work together: a fixed, small effect per pair. */
function pairingEffect(seed: string, jockey: number, trainer: number): number {
  const rng = new Rng(seed, 'world-pairing', jockey, trainer);
  return rng.float(-1, 1);
}

/** After the day: careers, ratings, rests, injuries, retirements. */
function settle(
  race: SimRace,
  horses: SimHorse[],
  cast: { jockeys: SimPerson[]; trainers: SimPerson[] },
  rng: Rng,
): void {
  const prizes = CLASS_BANDS[race.classIndex].firstPrize;
  const shares = [1, 0.4, 0.2545, 0.0909, 0.0727];
  const normal = new NormalRng(rng);
  for (const runner of race.runners) {
    const horse = horses[runner.horse];
    if (runner.scratched) {
      // A scratch is usually a knock: some weeks off.
      horse.availableFrom = plusDays(race.date, rng.int(14, 60));
      continue;
    }
    const prize = runner.ord >= 1 && runner.ord <= 5 ? Math.round(prizes * shares[runner.ord - 1]) : 0;
    // A replaced race draws the same numbers (the rest of the world stays as it is) and counts for nothing.
    const counted = !race.replaced;
    for (const runs of [
      horse.runs,
      cast.jockeys.find((p) => p.index === runner.jockey)?.runs,
      cast.trainers.find((p) => p.index === runner.trainer)?.runs,
    ]) {
      if (!runs || !counted) continue;
      runs.date.push(race.date);
      runs.ord.push(runner.ord);
      runs.prize.push(prize);
    }
    if (counted) {
      horse.rating =
        horse.rating === 0
          ? firstRating(runner.ord)
          : clamp(
              Math.round(
                (1 - RATING_WEIGHT) * horse.rating +
                  RATING_WEIGHT *
                    raceFigure(
                      race.classIndex,
                      runner.ord > 90 ? race.runners.length : runner.ord,
                      race.runners.length,
                    ),
              ),
              1,
              130,
            );
      horse.ratingAfter.push(horse.rating);
      horse.lastRun = race.date;
    }
    horse.drift += MODEL.drift * normal.next();
    if (rng.chance(MARKET.persistentRenewal)) horse.publicError = normal.next() * MARKET.persistentError;
    const injured = rng.chance(0.02);
    horse.availableFrom = plusDays(race.date, injured ? rng.int(90, 240) : rng.int(14, 42));
    const age = daysBetween(horse.birth, race.date) / 365.25;
    if (age > 8 || horse.runs.date.length >= 45 || (age > 5 && horse.rating < 25 && rng.chance(0.1)))
      horse.retired = true;
  }
}

/** An unrated horse's first rating, from its first result. */
function firstRating(ord: number): number {
  return ord === 1 ? 32 : ord <= 3 ? 24 : 16;
}

/** How much one result moves a rating: ratings follow results, slowly, so they lag the ability. */
const RATING_WEIGHT = 0.5;

/**
 * What a result says on the rating scale: the class's floor, plus the share of the field beaten
 * across the class's band, plus a bonus for winning (a winner is rated into the next class).
 */
function raceFigure(classIndex: number, ord: number, field: number): number {
  const floor = CLASS_BANDS[classIndex].minRating;
  const beaten = field > 1 ? (field - ord) / (field - 1) : 1;
  return floor + 18 * beaten + (ord === 1 ? 14 : 0);
}
