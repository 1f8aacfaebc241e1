import type { RawValue } from '@app/kra-client';
import { FIXTURE_RACE, Fixtures } from './fixtures';
import { ALL_MEETS, MeetCode } from './meets';
import {
  createPopulation,
  Horse,
  horseItem,
  Jockey,
  jockeyItem,
  pad,
  Population,
  Trainer,
  trainerItem,
} from './population';
import {
  computeDividends,
  generateRaceDay,
  planRaceDay,
  Race,
  RaceDay,
  RacePlan,
  ResultRow,
  Scratch,
} from './race-day';
import { Rng } from './random';
import { ServedWorld } from './world/served-world';
import { simulateWorld, WORLD_END, WORLD_START, WorldHistory, WorldOptions } from './world/simulation';

type RawItem = Record<string, RawValue>;

export interface MasterRecord {
  id: string;
  name: string;
  meet: MeetCode;
  item(asOf: Date): RawItem;
}

// A race day holds ~100 rows of 90 keys; 64 days cover a month of every meet without growing without bound.
const RACE_DAY_CACHE_SIZE = 64;

/**
 * The sandbox's racing world for one seed: populations, race days (cached) and master data, with
 * the captured fixture race woven in when the fixtures are present.
 */
export class KraWorld {
  private readonly populations = new Map<MeetCode, Population>();
  private readonly raceDays = new Map<string, RaceDay>();
  private masters: { horses: MasterRecord[]; jockeys: MasterRecord[]; trainers: MasterRecord[] } | null = null;
  private masterIndex: Record<'horse' | 'jockey' | 'trainer', Map<string, MasterRecord>> | null = null;
  private readonly cancelled = new Set<string>();
  private servedWorld: ServedWorld | null = null;

  /**
   * `history`: race days, careers and ratings come from the simulated world with a history
   * ({@link simulateWorld}, from `worldStart` to WORLD_END, simulated once on first use); dates
   * outside it, and the classic world, generate each day on its own.
   */
  constructor(
    readonly seed: string,
    readonly fixtures: Fixtures,
    readonly mode: 'classic' | 'history' = 'history',
    /** The history world's first day (YYYYMMDD). */
    readonly worldStart: string = WORLD_START,
  ) {}

  /** The history world, simulated on first use; null in the classic world. */
  served(): ServedWorld | null {
    if (this.mode !== 'history') return null;
    if (!this.servedWorld) {
      // The captured race takes its slot: the simulated race there counts for nobody's career.
      const replaced = this.fixtures.raceRows
        ? [{ date: FIXTURE_RACE.rcDate, meet: FIXTURE_RACE.meet as MeetCode, rcNo: FIXTURE_RACE.rcNo }]
        : [];
      const history = simulatedHistory({ seed: this.seed, start: this.worldStart, end: WORLD_END, replaced });
      this.servedWorld = new ServedWorld(this.seed, history);
      for (const races of history.days.values())
        for (const race of races) if (race.cancelled) this.cancelled.add(`${race.date}|${race.meet}|${race.rcNo}`);
    }
    return this.servedWorld;
  }

  population(meet: MeetCode): Population {
    let population = this.populations.get(meet);
    if (!population) {
      population = createPopulation(this.seed, meet);
      this.populations.set(meet, population);
    }
    return population;
  }

  /** Race plans only: cheap, for year-long race-plan queries. */
  plans(rcDate: string, meet: MeetCode): RacePlan[] {
    const cached = this.raceDays.get(`${rcDate}|${meet}`);
    if (cached) return cached.races.map((race) => race.plan);
    // The history world's plans come with its rows: build the day once, through the day cache.
    if (this.served()?.holds(rcDate, meet)) return this.raceDay(rcDate, meet).races.map((race) => race.plan);
    const plans = planRaceDay(this.seed, rcDate, meet);
    const fixtureRows = this.fixtureRowsFor(rcDate, meet);
    return fixtureRows
      ? plans.map((plan) => (plan.rcNo === FIXTURE_RACE.rcNo ? planFromRows(plan, fixtureRows) : plan))
      : plans;
  }

  raceDay(rcDate: string, meet: MeetCode): RaceDay {
    const key = `${rcDate}|${meet}`;
    let day = this.raceDays.get(key);
    if (day) return day;
    day = this.withFixture(
      this.served()?.raceDay(rcDate, meet) ?? generateRaceDay(this.seed, rcDate, meet, this.population(meet)),
    );
    if (this.raceDays.size >= RACE_DAY_CACHE_SIZE) this.raceDays.delete(this.raceDays.keys().next().value as string);
    this.raceDays.set(key, day);
    return day;
  }

  /** The captured race replaces the generated race 1 of its day. */
  private withFixture(day: RaceDay): RaceDay {
    const fixtureRows = this.fixtureRowsFor(day.rcDate, day.meet);
    if (!fixtureRows) return day;
    return {
      ...day,
      races: day.races.map((race) =>
        race.plan.rcNo === FIXTURE_RACE.rcNo ? this.fixtureRace(race, fixtureRows) : race,
      ),
    };
  }

  /** Calls a race off: it keeps its card, gets no result, and API299 flags it (noraceFlag 1). */
  cancelRace(rcDate: string, meet: MeetCode, rcNo: number): void {
    this.cancelled.add(`${rcDate}|${meet}|${rcNo}`);
  }

  isCancelled(race: Race): boolean {
    return this.cancelled.has(`${race.plan.rcDate}|${race.plan.meet}|${race.plan.rcNo}`);
  }

  race(rcDate: string, meet: MeetCode, rcNo: number): Race | undefined {
    return this.raceDay(rcDate, meet).races.find((race) => race.plan.rcNo === rcNo);
  }

  private fixtureRowsFor(rcDate: string, meet: MeetCode): ResultRow[] | null {
    return rcDate === FIXTURE_RACE.rcDate && meet === FIXTURE_RACE.meet ? this.fixtures.raceRows : null;
  }

  /** The captured race replaces the generated race 1 of that day: its rows, plan fields and dividends. */
  private fixtureRace(generated: Race, rows: ResultRow[]): Race {
    const scratches: Scratch[] = rows
      .filter((row) => row.ord === 95)
      .map((row) => ({
        chulNo: Number(row.chulNo),
        hrNo: String(row.hrNo),
        hrName: String(row.hrName),
        reason: '마체이상',
      }));
    const plan = planFromRows(generated.plan, rows);
    return {
      plan,
      rows,
      scratches,
      dividends: computeDividends(new Rng(this.seed, 'dividends', plan.rcDate, plan.meet, plan.rcNo), rows),
    };
  }

  /** The master item of a horse, jockey or trainer as the sandbox serves it at `asOf`, or null. */
  masterItem(kind: 'horse' | 'jockey' | 'trainer', id: string, asOf: Date): RawItem | null {
    if (!this.masterIndex) {
      const index = (records: MasterRecord[]): Map<string, MasterRecord> =>
        new Map(records.map((record) => [record.id, record]));
      this.masterIndex = {
        horse: index(this.horses()),
        jockey: index(this.jockeys()),
        trainer: index(this.trainers()),
      };
    }
    return this.masterIndex[kind].get(id)?.item(asOf) ?? null;
  }

  horses(): MasterRecord[] {
    return this.masterRecords().horses;
  }

  jockeys(): MasterRecord[] {
    return this.masterRecords().jockeys;
  }

  trainers(): MasterRecord[] {
    return this.masterRecords().trainers;
  }

  private masterRecords(): { horses: MasterRecord[]; jockeys: MasterRecord[]; trainers: MasterRecord[] } {
    if (this.masters) return this.masters;
    const served = this.served();
    if (served) {
      const masters = served.masters();
      const extra = this.fixtures.raceRows
        ? castFromRows(this.seed, this.fixtures.raceRows)
        : { horses: [], jockeys: [], trainers: [] };
      const seed = this.seed;
      const known = (records: MasterRecord[], id: string): boolean => records.some((record) => record.id === id);
      masters.horses.push(
        ...extra.horses.map((horse) => ({
          id: horse.hrNo,
          name: horse.hrName,
          meet: horse.meet,
          item: () => horseItem(seed, horse),
        })),
      );
      for (const jockey of extra.jockeys)
        if (!known(masters.jockeys, jockey.jkNo))
          masters.jockeys.push({
            id: jockey.jkNo,
            name: jockey.jkName,
            meet: jockey.meet,
            item: (asOf) => jockeyItem(seed, jockey, asOf),
          });
      for (const trainer of extra.trainers)
        if (!known(masters.trainers, trainer.trNo))
          masters.trainers.push({
            id: trainer.trNo,
            name: trainer.trName,
            meet: trainer.meet,
            item: (asOf) => trainerItem(seed, trainer, asOf),
          });
      this.masters = this.withCaptures(masters);
      return this.masters;
    }
    const seed = this.seed;
    const horses: Horse[] = [];
    const jockeys: Jockey[] = [];
    const trainers: Trainer[] = [];
    for (const meet of ALL_MEETS) {
      const population = this.population(meet);
      horses.push(...population.horses);
      jockeys.push(...population.jockeys);
      trainers.push(...population.trainers);
    }
    const extra = this.fixtures.raceRows
      ? castFromRows(seed, this.fixtures.raceRows)
      : { horses: [], jockeys: [], trainers: [] };
    horses.push(...extra.horses);
    jockeys.push(...extra.jockeys);
    trainers.push(...extra.trainers);

    const horseRecords: MasterRecord[] = horses.map((horse) => ({
      id: horse.hrNo,
      name: horse.hrName,
      meet: horse.meet,
      item: () => horseItem(seed, horse),
    }));
    const jockeyRecords: MasterRecord[] = jockeys.map((jockey) => ({
      id: jockey.jkNo,
      name: jockey.jkName,
      meet: jockey.meet,
      item: (asOf) => jockeyItem(seed, jockey, asOf),
    }));
    const trainerRecords: MasterRecord[] = trainers.map((trainer) => ({
      id: trainer.trNo,
      name: trainer.trName,
      meet: trainer.meet,
      item: (asOf) => trainerItem(seed, trainer, asOf),
    }));
    this.masters = this.withCaptures({ horses: horseRecords, jockeys: jockeyRecords, trainers: trainerRecords });
    return this.masters;
  }

  /** The captured master items win over anything generated for the same id. */
  private withCaptures(masters: { horses: MasterRecord[]; jockeys: MasterRecord[]; trainers: MasterRecord[] }): {
    horses: MasterRecord[];
    jockeys: MasterRecord[];
    trainers: MasterRecord[];
  } {
    const withCapture = (
      records: MasterRecord[],
      captured: RawItem | null,
      idField: string,
      nameField: string,
    ): MasterRecord[] => {
      if (!captured) return records;
      const record: MasterRecord = {
        id: String(captured[idField]),
        name: String(captured[nameField]),
        meet: meetOfName(String(captured.meet)),
        item: () => captured,
      };
      return [...records.filter((r) => r.id !== record.id), record];
    };
    return {
      horses: withCapture(masters.horses, this.fixtures.horse, 'hrNo', 'hrName'),
      jockeys: withCapture(masters.jockeys, this.fixtures.jockey, 'jkNo', 'jkName'),
      trainers: withCapture(masters.trainers, this.fixtures.trainer, 'trNo', 'trName'),
    };
  }
}

/** One simulation per seed, start and process: the history is read-only once simulated, so sandboxes share it. */
const histories = new Map<string, WorldHistory>();

function simulatedHistory(options: WorldOptions): WorldHistory {
  const key = JSON.stringify(options);
  let history = histories.get(key);
  if (!history) {
    history = simulateWorld(options);
    histories.set(key, history);
  }
  return history;
}

function meetOfName(name: string): MeetCode {
  if (name === '서울') return 1;
  if (name === '제주') return 2;
  return name === '영천' ? 4 : 3;
}

function planFromRows(plan: RacePlan, rows: ResultRow[]): RacePlan {
  const first = rows[0];
  return {
    ...plan,
    rcName: String(first.rcName),
    rcDist: Number(first.rcDist),
    rank: String(first.rank),
    prizeCond: String(first.prizeCond),
    ageCond: String(first.ageCond),
    budam: String(first.budam),
    chaksun: [1, 2, 3, 4, 5].map((place) => Number(first[`chaksun${place}`])) as RacePlan['chaksun'],
    weather: String(first.weather),
    track: String(first.track),
  };
}

/** Horses, jockeys and trainers of the captured race, as master data records (meet from the rows). */
function castFromRows(seed: string, rows: ResultRow[]): { horses: Horse[]; jockeys: Jockey[]; trainers: Trainer[] } {
  const meet = meetOfName(String(rows[0].meet));
  const rng = new Rng(seed, 'fixture-cast');
  const horses = rows.map((row): Horse => ({
    hrNo: String(row.hrNo),
    hrName: String(row.hrName),
    meet,
    sex: row.sex as Horse['sex'],
    birthday: Number(row.birthday),
    name: String(row.name),
    trNo: String(row.trNo),
    trName: String(row.trName),
    owNo: Number(row.owNo),
    owName: String(row.owName),
    faHrNo: pad(rng.int(30_000, 39_999), 7),
    faHrName: `${String(row.hrName).slice(0, 2)}파더`,
    moHrNo: pad(rng.int(30_000, 39_999), 7),
    moHrName: `${String(row.hrName).slice(0, 2)}마더`,
    hrLastAmt: '-',
    hrTool: String(row.hrTool),
    ability: 0,
    bodyWeight: Number.parseInt(String(row.wgHr), 10),
  }));
  const jockeys = uniqueBy(rows, 'jkNo').map((row): Jockey => ({
    jkNo: String(row.jkNo),
    jkName: String(row.jkName),
    meet,
    birthday: 19_900_000 + rng.int(1, 12) * 100 + rng.int(1, 28),
    debut: 20_120_301,
    part: '프리기수',
    wgPart: 52,
    skill: 0,
  }));
  const trainers = uniqueBy(rows, 'trNo').map((row): Trainer => ({
    trNo: String(row.trNo),
    trName: String(row.trName),
    meet,
    birthday: '-',
    stDate: 20_150_101,
    part: rng.int(1, 40),
  }));
  return { horses, jockeys, trainers };
}

function uniqueBy(rows: ResultRow[], field: string): ResultRow[] {
  const seen = new Set<RawValue>();
  return rows.filter((row) => !seen.has(row[field]) && seen.add(row[field]));
}
