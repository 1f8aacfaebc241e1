import { addMinutesHhmm } from '@app/calendar';
import type { MasterRecord } from '../kra-world';
import { MeetCode } from '../meets';
import {
  CareerCounts,
  COUNTRIES,
  createPopulation,
  Horse,
  horseItem,
  horseName,
  pedigreeAndGear,
  Jockey,
  jockeyItem,
  pad,
  Population,
  sortKeys,
  Trainer,
  trainerItem,
  uniqueName,
} from '../population';
import {
  cardRowOf,
  scratchedRow,
  computeDividends,
  goingText,
  marginText,
  ORD_DISQUALIFIED,
  ORD_PULLED_UP,
  parTime,
  planRaceDay,
  Race,
  RaceDay,
  RacePlan,
  ResultRow,
  Scratch,
} from '../race-day';
import { Rng, round1 } from '../random';
import { RunProfile, sectionals, zeroSectionals } from '../sectionals';
import { CLASS_BANDS, classOf, priceRace, SimHorse, SimPerson, SimRace, SimRunner, WorldHistory } from './simulation';

/** Horse ids of the history world: a range of their own per meet, clear of the captured race's. */
const HORSE_ID_BASE: Record<MeetCode, number> = { 1: 160_000, 2: 260_000, 3: 360_000, 4: 460_000 };
const PRIZE_SHARES = [1, 0.4, 0.2545, 0.0909, 0.0727];
const SCRATCH_REASONS = ['마체이상', '질병', '부상', '폐출혈', '출발대 사고'];
const SEX_NAMES = ['수', '암', '거'] as const;
/** Seconds a point of performance is worth at 1,200 m, and the performance that runs the par time (a typical winner's). */
const SECONDS_PER_POINT = 0.45;
const PAR_PERFORMANCE = 2;
const INCIDENT_NOTES: Record<number, string> = { [ORD_DISQUALIFIED]: '실격', [ORD_PULLED_UP]: '주행중지' };

/**
 * The history world as the gateway serves it: names and ids for its horses (the jockeys, trainers
 * and owners are the classic population's), API214_1 rows and plans for its race days, and master
 * items whose career counts are the counts of the world's own races before the date asked.
 */
export class ServedWorld {
  private readonly horses: Horse[] = [];
  private readonly populations = new Map<MeetCode, Population>();
  private readonly jockeyIdentity: Jockey[] = [];
  private readonly trainerIdentity: Trainer[] = [];

  constructor(
    readonly seed: string,
    readonly history: WorldHistory,
  ) {
    const usedNames = new Map<MeetCode, Set<string>>();
    const perMeet = new Map<MeetCode, number>();
    for (const person of history.jockeys)
      this.jockeyIdentity[person.index] = this.population(person.meet).jockeys[this.offset(history.jockeys, person)];
    for (const person of history.trainers)
      this.trainerIdentity[person.index] = this.population(person.meet).trainers[this.offset(history.trainers, person)];
    for (const horse of history.horses) {
      const n = perMeet.get(horse.meet) ?? 0;
      perMeet.set(horse.meet, n + 1);
      const names = usedNames.get(horse.meet) ?? new Set<string>();
      usedNames.set(horse.meet, names);
      const rng = new Rng(seed, 'world-identity', horse.meet, horse.birth, n);
      const trainer = this.trainerIdentity[horse.trainer];
      const owner = rng.pick(this.population(horse.meet).owners);
      this.horses[horse.index] = {
        hrNo: pad(HORSE_ID_BASE[horse.meet] + n, 7),
        hrName: uniqueName(horseName(rng), names, rng),
        meet: horse.meet,
        sex: SEX_NAMES[horse.sex],
        birthday: horse.birth,
        name: horse.meet === 2 ? '제주' : rng.pick(COUNTRIES),
        trNo: trainer.trNo,
        trName: trainer.trName,
        owNo: owner.owNo,
        owName: owner.owName,
        ...pedigreeAndGear(rng),
        ability: horse.peak,
        bodyWeight: horse.bodyWeight,
      };
    }
  }

  private population(meet: MeetCode): Population {
    let population = this.populations.get(meet);
    if (!population) {
      population = createPopulation(this.seed, meet);
      this.populations.set(meet, population);
    }
    return population;
  }

  private offset(people: SimPerson[], person: SimPerson): number {
    return person.index - people.findIndex((other) => other.meet === person.meet);
  }

  /** Whether the world simulated this race day. */
  holds(rcDate: string, meet: MeetCode): boolean {
    return this.history.days.has(`${rcDate}|${meet}`);
  }

  /** The simulated day, as the gateway serves it; null for a date the world does not hold. */
  raceDay(rcDate: string, meet: MeetCode): RaceDay | null {
    const races = this.history.days.get(`${rcDate}|${meet}`);
    if (!races) return null;
    const plans = planRaceDay(this.seed, rcDate, meet);
    const interval = plans.length > 1 ? minutesBetween(plans[0].schStTime, plans[1].schStTime) : 30;
    return {
      meet,
      rcDate,
      races: races.map((race, i) =>
        this.race(race, plans[Math.min(i, plans.length - 1)], plans[0].schStTime, i * interval),
      ),
    };
  }

  private race(sim: SimRace, template: RacePlan, firstStart: string, offsetMinutes: number): Race {
    priceRace(this.seed, sim);
    const band = CLASS_BANDS[sim.classIndex];
    const plan: RacePlan = {
      ...template,
      rcNo: sim.rcNo,
      rcDist: sim.distance,
      rank: band.rank,
      prizeCond: `R${band.minRating}~${CLASS_BANDS[sim.classIndex + 1] ? CLASS_BANDS[sim.classIndex + 1].minRating - 1 : ''}`,
      budam: '핸디캡',
      chaksun: PRIZE_SHARES.map(
        (share) => Math.round((band.firstPrize * share) / 100_000) * 100_000,
      ) as RacePlan['chaksun'],
      schStTime: addMinutesHhmm(firstStart, offsetMinutes),
      track: goingText(sim.moisture),
    };
    const rng = new Rng(this.seed, 'world-rows', sim.date, sim.meet, sim.rcNo);
    const starters = sim.runners.filter((runner) => !runner.scratched && runner.ord > 0);
    // Placed runners in order, then a disqualified one (it finished: a time), then one pulled up.
    const order = [...starters].sort((a, b) => a.ord - b.ord);
    const finished = order.filter((runner) => runner.ord !== ORD_PULLED_UP);
    const par = parTime(sim.meet, sim.distance) * (1 + 0.004 * Math.max(0, sim.moisture - 8));
    // Times follow the performance itself, not its gap to the winner: better classes run faster; and
    // a point is worth more time over a longer trip (the gaps grow with the distance).
    const perPoint = SECONDS_PER_POINT * (sim.distance / 1200);
    const times = new Map<SimRunner, number>(
      finished.map((runner) => [runner, round1(par + perPoint * (PAR_PERFORMANCE - runner.performance))]),
    );
    const profiles: RunProfile[] = finished.map((runner) => ({
      finalTime: times.get(runner) ?? par,
      startLoss: 1.2 + 0.6 * this.history.horses[runner.horse].style,
      style: 1 - 2 * this.history.horses[runner.horse].style,
    }));
    const splits = sectionals(sim.meet, sim.distance, profiles);
    const rows: ResultRow[] = order.map((runner, position) => ({
      ...this.cardRow(plan, sim, runner),
      ...(splits[position] ?? zeroSectionals()),
      ord: runner.ord,
      ordBigo: INCIDENT_NOTES[runner.ord] ?? '-',
      diffUnit:
        position === 0 || runner.ord > 90
          ? '-'
          : marginText((times.get(runner) ?? 0) - (times.get(order[position - 1]) ?? 0)),
      rankRise: 0,
      rcTime: times.get(runner) ?? 0,
      winOdds: runner.winOdds,
      plcOdds: Math.max(1, round1(1 + (runner.winOdds - 1) * 0.25)),
    }));
    const scratches: Scratch[] = [];
    for (const runner of sim.runners.filter((r) => r.scratched)) {
      const horse = this.horses[runner.horse];
      rows.push(scratchedRow(this.cardRow(plan, sim, runner)));
      scratches.push({
        chulNo: runner.gate,
        hrNo: horse.hrNo,
        hrName: horse.hrName,
        reason: rng.pick(SCRATCH_REASONS),
      });
    }
    return {
      plan,
      rows: rows.map(sortKeys),
      scratches,
      dividends: computeDividends(new Rng(this.seed, 'dividends', plan.rcDate, plan.meet, plan.rcNo), rows),
    };
  }

  private cardRow(plan: RacePlan, sim: SimRace, runner: SimRunner): ResultRow {
    const horse = this.horses[runner.horse];
    return cardRowOf(plan, {
      chulNo: runner.gate,
      horse,
      jockey: this.jockeyIdentity[runner.jockey],
      age: Math.floor(sim.date / 10_000) - Math.floor(horse.birthday / 10_000),
      daysSinceLastStart: runner.daysSinceLastRun ?? 0,
      rating: runner.rating,
      carriedWeight: runner.carriedWeight,
      bodyWeight: runner.bodyWeight,
      bodyWeightChange: runner.bodyWeightChange,
      jockeyAllowance: 0,
    });
  }

  /** Horses, jockeys and trainers with their items as of a date: counts of the world's races before that date (KST). */
  masters(): { horses: MasterRecord[]; jockeys: MasterRecord[]; trainers: MasterRecord[] } {
    const horses = this.history.horses.map((sim): MasterRecord => {
      const horse = this.horses[sim.index];
      return {
        id: horse.hrNo,
        name: horse.hrName,
        meet: horse.meet,
        item: (asOf) => {
          const day = kstDay(asOf);
          const before = countBefore(sim.runs.date, day);
          const rating = before > 0 ? sim.ratingAfter[before - 1] : sim.initialRating;
          const prize = sim.runs.prize.slice(0, before).reduce((sum, value) => sum + value, 0);
          return horseItem(this.seed, horse, {
            counts: careerCounts(sim.runs, day),
            rating,
            rank: CLASS_BANDS[classOf(rating)].rank,
            prize,
          });
        },
      };
    });
    const counts = (person: SimPerson, asOf: Date): CareerCounts => careerCounts(person.runs, kstDay(asOf));
    return {
      horses,
      jockeys: this.history.jockeys.map((person): MasterRecord => {
        const jockey = this.jockeyIdentity[person.index];
        return {
          id: jockey.jkNo,
          name: jockey.jkName,
          meet: person.meet,
          item: (asOf) => jockeyItem(this.seed, jockey, asOf, counts(person, asOf)),
        };
      }),
      trainers: this.history.trainers.map((person): MasterRecord => {
        const trainer = this.trainerIdentity[person.index];
        return {
          id: trainer.trNo,
          name: trainer.trName,
          meet: person.meet,
          item: (asOf) => trainerItem(this.seed, trainer, asOf, counts(person, asOf)),
        };
      }),
    };
  }

  /** The truth of a race: each runner's true win probability and hidden factors. */
  truth(rcDate: string, meet: MeetCode, rcNo: number): Record<string, unknown> | null {
    const sim = this.history.days.get(`${rcDate}|${meet}`)?.find((race) => race.rcNo === rcNo);
    // A race served from a capture has no truth of this world.
    if (!sim || sim.replaced) return null;
    priceRace(this.seed, sim);
    return {
      rcDate,
      meet,
      rcNo,
      cancelled: sim.cancelled,
      frontRunners: sim.frontRunners,
      runners: sim.runners.map((runner) => {
        const horse: SimHorse = this.history.horses[runner.horse];
        return {
          chulNo: runner.gate,
          hrNo: this.horses[runner.horse].hrNo,
          scratched: runner.scratched,
          winProbability: runner.scratched ? 0 : runner.truthWin,
          publicWinProbability: runner.scratched ? 0 : runner.publicWin,
          ability: runner.ability,
          expectedPerformance: runner.mean,
          noise: runner.noise,
          preferredDistance: horse.distanceCenter,
          distanceTolerance: horse.distanceWidth,
          goingPreference: horse.goingPreference,
          runningStyle: horse.style,
          drawSensitivity: horse.drawSensitivity,
        };
      }),
    };
  }
}

function minutesBetween(a: string, b: string): number {
  const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(2));
  return minutes(b) - minutes(a);
}

/** YYYYMMDD of an instant in Asia/Seoul. */
function kstDay(instant: Date): number {
  return Number(new Date(instant.getTime() + 9 * 3_600_000).toISOString().slice(0, 10).replaceAll('-', ''));
}

/** Runs before `day` (dates ascending). */
function countBefore(dates: number[], day: number): number {
  let low = 0;
  let high = dates.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (dates[mid] < day) low = mid + 1;
    else high = mid;
  }
  return low;
}

/** Starts and places before `day`, in all and in `day`'s year. */
function careerCounts(runs: { date: number[]; ord: number[] }, day: number): CareerCounts {
  const before = countBefore(runs.date, day);
  const yearStart = countBefore(runs.date, Math.floor(day / 10_000) * 10_000 + 101);
  const counts: CareerCounts = {
    rcCntT: before,
    rcCntY: before - yearStart,
    ord1CntT: 0,
    ord1CntY: 0,
    ord2CntT: 0,
    ord2CntY: 0,
    ord3CntT: 0,
    ord3CntY: 0,
  };
  for (let i = 0; i < before; i++) {
    const ord = runs.ord[i];
    if (ord < 1 || ord > 3) continue;
    const key = `ord${ord}Cnt` as 'ord1Cnt' | 'ord2Cnt' | 'ord3Cnt';
    counts[`${key}T`] += 1;
    if (i >= yearStart) counts[`${key}Y`] += 1;
  }
  return counts;
}
