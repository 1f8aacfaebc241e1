import { Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { to as copyTo } from 'pg-copy-streams';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';
import { FEATURE_VERSION, RaceFeatures } from '../features/definitions';
import type { CardSnapshot, HistoryRace, HistoryRunner, RaceCard } from '../features/history';

interface SnapshotRow {
  takenAt: Date | null;
  sHorse: CardSnapshot['horse'];
  sJockey: CardSnapshot['jockey'];
  sTrainer: CardSnapshot['trainer'];
  horseBirthDate: string | null;
  jockeyDebutDate: string | null;
  trainerLicensedSince: string | null;
}

const epoch = (instant: string): string => `(extract(epoch FROM ${instant}) * 1000000)::bigint`;

/** A race's card with its database id. */
export interface StoredCard extends RaceCard {
  raceId: string;
}

/** One runner of a run race, as the history query returns it. */
type HistoryRow = HistoryRunner & Omit<HistoryRace, 'runners'> & { raceId: string };

const RUNNER_COLUMNS = `e.gate_no AS gate, e.hr_no AS "hrNo", e.jk_no AS "jkNo", e.tr_no AS "trNo",
  e.carried_weight_kg::float8 AS "carriedWeightKg", e.body_weight_kg::float8 AS "bodyWeightKg",
  e.body_weight_change::float8 AS "bodyWeightChange", e.rating, e.scratched`;
/** When the race went off, as far as we know: its scheduled start, else the start of its day (KST). */
const START = `COALESCE(r.scheduled_start, r.race_date::timestamp AT TIME ZONE 'Asia/Seoul')`;
/** The card as it stood before the start: a body weight or a scratch stored only later is not on it. */
const CARD_RUNNER_COLUMNS = `e.gate_no AS gate, e.hr_no AS "hrNo", e.jk_no AS "jkNo", e.tr_no AS "trNo",
  e.carried_weight_kg::float8 AS "carriedWeightKg",
  CASE WHEN e.body_weight_at < ${START} THEN e.body_weight_kg::float8 END AS "bodyWeightKg",
  CASE WHEN e.body_weight_at < ${START} THEN e.body_weight_change::float8 END AS "bodyWeightChange",
  e.rating, (e.scratched AND e.scratched_at < ${START}) AS scratched`;
const RACE_COLUMNS = `r.id AS "raceId", to_char(r.race_date, 'YYYY-MM-DD') AS date, r.meet, r.race_no AS "raceNo",
  r.distance_m AS "distanceM", r.race_class AS "raceClass", r.prizes::float8[] AS prizes`;

/**
 * What the analysis reads and writes: run races with their results (the history), the cards of the
 * races to describe, and the stored feature rows. Reads only what collection stored; never the KRA API.
 */
@Injectable()
export class FeaturesRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Every run race before `beforeDate` (and on or after `fromDate`), with its runners' results. */
  async history(beforeDate: string, fromDate = '1900-01-01'): Promise<HistoryRace[]> {
    const rows = await this.dataSource.query<HistoryRow[]>(
      `SELECT ${RACE_COLUMNS}, r.moisture_percent::float8 AS "moisturePercent", ${RUNNER_COLUMNS},
              x.finish_position AS "finishPosition", x.finish_status AS "finishStatus",
              x.race_time_s::float8 AS "raceTimeS", x.win_odds::float8 AS "winOdds", x.sectionals
         FROM races r JOIN entries e ON e.race_id = r.id JOIN results x ON x.entry_id = e.id
        WHERE r.race_date < $1 AND r.race_date >= $2 AND r.status <> 'cancelled'
        ORDER BY r.race_date, r.meet, r.race_no, e.gate_no`,
      [beforeDate, fromDate],
    );
    const races = new Map<string, HistoryRace>();
    for (const row of rows) {
      const { raceId, date, meet, raceNo, distanceM, raceClass, moisturePercent, prizes, ...runner } = row;
      let race = races.get(raceId);
      if (!race) {
        race = { date, meet, raceNo, distanceM, raceClass, moisturePercent, prizes, runners: [] };
        races.set(raceId, race);
      }
      race.runners.push(runner);
    }
    return [...races.values()];
  }

  /** The cards of the races of one day (of one meet, or all), as they stood before the start. */
  async cards(date: string, meet?: number, raceNo?: number): Promise<StoredCard[]> {
    const rows = await this.dataSource.query<
      (Omit<StoredCard, 'runners'> & StoredCard['runners'][number] & SnapshotRow)[]
    >(
      `SELECT ${RACE_COLUMNS}, ${CARD_RUNNER_COLUMNS},
              s.taken_at AS "takenAt", s.horse AS "sHorse", s.jockey AS "sJockey", s.trainer AS "sTrainer",
              to_char(h.birth_date, 'YYYY-MM-DD') AS "horseBirthDate", to_char(j.debut_date, 'YYYY-MM-DD') AS "jockeyDebutDate",
              to_char(t.licensed_since, 'YYYY-MM-DD') AS "trainerLicensedSince"
         FROM races r JOIN entries e ON e.race_id = r.id
         -- KRA's counts only as they stood before the start: a later snapshot may count the race.
         LEFT JOIN entry_snapshots s ON s.entry_id = e.id AND s.taken_before_start
         LEFT JOIN horses h ON h.hr_no = e.hr_no LEFT JOIN jockeys j ON j.jk_no = e.jk_no LEFT JOIN trainers t ON t.tr_no = e.tr_no
        WHERE r.race_date = $1 AND ($2::smallint IS NULL OR r.meet = $2) AND ($3::smallint IS NULL OR r.race_no = $3)
          AND r.status <> 'cancelled'
        ORDER BY r.meet, r.race_no, e.gate_no`,
      [date, meet ?? null, raceNo ?? null],
    );
    const cards = new Map<string, StoredCard>();
    for (const row of rows) {
      const { raceId, date: day, meet: code, raceNo: no, distanceM, raceClass, prizes, ...rest } = row;
      const { takenAt, sHorse, sJockey, sTrainer, horseBirthDate, jockeyDebutDate, trainerLicensedSince, ...runner } =
        rest;
      let card = cards.get(raceId);
      if (!card) {
        card = { raceId, date: day, meet: code, raceNo: no, distanceM, raceClass, prizes, runners: [] };
        cards.set(raceId, card);
      }
      card.runners.push({
        ...runner,
        snapshot: takenAt
          ? {
              takenAt: takenAt.toISOString(),
              takenBeforeStart: true,
              horse: sHorse,
              jockey: sJockey,
              trainer: sTrainer,
              horseBirthDate,
              jockeyDebutDate,
              trainerLicensedSince,
            }
          : null,
      });
    }
    return [...cards.values()];
  }

  /** The race days, from..to, that have cards. */
  async raceDays(from: string, to: string): Promise<string[]> {
    const rows = await this.dataSource.query<{ date: string }[]>(
      `SELECT DISTINCT to_char(r.race_date, 'YYYY-MM-DD') AS date FROM races r
        WHERE r.race_date BETWEEN $1 AND $2 AND EXISTS (SELECT 1 FROM entries e WHERE e.race_id = r.id)
        ORDER BY 1`,
      [from, to],
    );
    return rows.map((row) => row.date);
  }

  async lastRaceDay(): Promise<string | null> {
    const [row] = await this.dataSource.query<{ date: string | null }[]>(
      `SELECT to_char(max(r.race_date), 'YYYY-MM-DD') AS date FROM races r WHERE EXISTS (SELECT 1 FROM entries e WHERE e.race_id = r.id)`,
    );
    return row?.date ?? null;
  }

  /**
   * A fingerprint of what a race day's features are computed from: the results, entries and races
   * before the day, and the day's own cards. Any write the collector or an import makes changes it.
   */
  async dataMark(date: string): Promise<string> {
    return (await this.dataMarks([date])).get(date) as string;
  }

  /**
   * The data marks of many race days in one query: the results are aggregated per race day once,
   * then summed up to each day. Instants as epoch microseconds: the same mark whatever the
   * session's time zone.
   */
  async dataMarks(dates: string[]): Promise<Map<string, string>> {
    if (dates.length === 0) return new Map();
    const rows = await this.dataSource.query<{ date: string; mark: string }[]>(
      `WITH days AS (SELECT DISTINCT unnest($1::date[]) AS day),
       finished AS MATERIALIZED (
         SELECT r.race_date AS day, count(*) AS n, max(x.collected_at) AS collected, max(e.updated_at) AS entry, max(r.updated_at) AS race
           FROM races r JOIN entries e ON e.race_id = r.id JOIN results x ON x.entry_id = e.id
          WHERE r.race_date < (SELECT max(day) FROM days) GROUP BY r.race_date),
       cards AS (
         SELECT r.race_date AS day, count(*) AS n, max(e.updated_at) AS entry, max(r.updated_at) AS race
           FROM races r JOIN entries e ON e.race_id = r.id WHERE r.race_date IN (SELECT day FROM days) GROUP BY r.race_date)
       SELECT to_char(d.day, 'YYYY-MM-DD') AS date, concat_ws('|',
         (SELECT concat_ws(':', coalesce(sum(f.n), 0), ${epoch('max(f.collected)')}, ${epoch('max(f.entry)')}, ${epoch('max(f.race)')})
            FROM finished f WHERE f.day < d.day),
         concat_ws(':', coalesce(c.n, 0), ${epoch('c.entry')}, ${epoch('c.race')})) AS mark
         FROM days d LEFT JOIN cards c ON c.day = d.day`,
      [dates],
    );
    return new Map(rows.map((row) => [row.date, row.mark]));
  }

  async save(raceId: string, features: RaceFeatures, dataMark: string): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO race_features (race_id, race_date, meet, race_no, as_of, version, data_mark, features)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
       ON CONFLICT (race_id) DO UPDATE SET as_of = EXCLUDED.as_of, version = EXCLUDED.version,
         data_mark = EXCLUDED.data_mark, features = EXCLUDED.features, computed_at = now()`,
      [raceId, features.date, features.meet, features.raceNo, features.asOf, features.version, dataMark, features],
    );
  }

  /** Stored rows of a day whose cards no longer exist are dropped with their race; of a cancelled race, here. */
  async dropDay(date: string, keep: string[]): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM race_features WHERE race_date = $1 AND NOT (race_id = ANY($2::bigint[]))`,
      [date, keep],
    );
  }

  /** Whether every race of a day with cards has a stored row of this version computed from `dataMark`. */
  async dayIsCurrent(date: string, dataMark: string): Promise<boolean> {
    const [row] = await this.dataSource.query<{ missing: number }[]>(
      `SELECT count(*)::int AS missing FROM races r
        WHERE r.race_date = $1 AND r.status <> 'cancelled' AND EXISTS (SELECT 1 FROM entries e WHERE e.race_id = r.id)
          AND NOT EXISTS (SELECT 1 FROM race_features f WHERE f.race_id = r.id AND f.version = $2 AND f.data_mark = $3)`,
      [date, FEATURE_VERSION, dataMark],
    );
    return row.missing === 0;
  }

  /**
   * The stored features of the races of from..to (of one meet, or all) as NDJSON bytes, by day, meet
   * and race, straight from Postgres: a COPY sends each row's JSON text as it is (CSV format with
   * control characters as delimiter and quote, which JSON text never holds raw), so no row becomes a
   * string in this process. The connection goes back to the pool when the stream ends, and is
   * discarded when it fails or is closed early.
   */
  async copyRange(from: string, to: string, meet?: number): Promise<Readable> {
    // COPY takes no parameters: the values are checked here, whatever the caller checked.
    const isDate = (value: string): boolean => /^\d{4}-\d{2}-\d{2}$/.test(value);
    if (!isDate(from) || !isDate(to) || (meet !== undefined && !Number.isInteger(meet)))
      throw new Error(`copyRange: not a date range and meet: ${from}, ${to}, ${meet}`);
    const driver = this.dataSource.driver as PostgresDriver;
    const [client, release] = (await driver.obtainMasterConnection()) as [
      { query(stream: ReturnType<typeof copyTo>): ReturnType<typeof copyTo> },
      (error?: Error) => void,
    ];
    const stream = client.query(
      copyTo(
        `COPY (SELECT features::text FROM race_features WHERE race_date BETWEEN '${from}' AND '${to}'` +
          `${meet === undefined ? '' : ` AND meet = ${meet}`} ORDER BY race_date, meet, race_no)` +
          ` TO STDOUT WITH (FORMAT csv, DELIMITER E'\\x01', QUOTE E'\\x02')`,
      ),
    );
    let released = false;
    const finish = (error?: Error): void => {
      if (released) return;
      released = true;
      release(error);
    };
    stream.once('end', () => finish());
    // Not once: ending a discarded connection fails the COPY again ("Connection terminated").
    stream.on('error', (error: Error) => finish(error));
    stream.once('close', () => finish(stream.readableEnded ? undefined : new Error('export closed before its end')));
    return stream;
  }

  async stored(
    date: string,
    meet: number,
    raceNo: number,
  ): Promise<{ version: number; dataMark: string; features: RaceFeatures } | null> {
    const [row] = await this.dataSource.query<{ version: number; dataMark: string; features: RaceFeatures }[]>(
      `SELECT version, data_mark AS "dataMark", features FROM race_features WHERE race_date = $1 AND meet = $2 AND race_no = $3`,
      [date, meet, raceNo],
    );
    return row ?? null;
  }
}

/** One start with what the stats group it by, its result and the race's market. */
export interface StatsRun {
  date: string;
  meet: number;
  distanceM: number | null;
  raceClass: string | null;
  moisturePercent: number | null;
  hrNo: string;
  jkNo: string | null;
  trNo: string | null;
  gate: number;
  fieldSize: number;
  position: number | null;
  winOdds: number | null;
  /** The market's win probability, takeout removed; null where a runner of the race had no odds. */
  marketWin: number | null;
}

const STATS_RUNS = `
  WITH runs AS (
    SELECT to_char(r.race_date, 'YYYY-MM-DD') AS date, r.meet, r.distance_m AS "distanceM", r.race_class AS "raceClass",
           r.moisture_percent::float8 AS "moisturePercent", e.hr_no AS "hrNo", e.jk_no AS "jkNo", e.tr_no AS "trNo",
           e.gate_no AS gate, count(*) OVER w::int AS "fieldSize",
           CASE WHEN x.finish_status = 'finished' THEN x.finish_position END AS position, x.win_odds::float8 AS "winOdds",
           CASE WHEN bool_and(x.win_odds > 0) OVER w THEN (1 / x.win_odds / sum(1 / NULLIF(x.win_odds, 0)) OVER w)::float8 END AS "marketWin"
      FROM races r JOIN entries e ON e.race_id = r.id JOIN results x ON x.entry_id = e.id
     WHERE r.race_date BETWEEN $1 AND $2 AND r.status <> 'cancelled' AND NOT e.scratched
       AND x.finish_status IN ('finished', 'disqualified', 'pulled_up') AND ($3::smallint IS NULL OR r.meet = $3)
    WINDOW w AS (PARTITION BY r.id))
  SELECT * FROM runs`;

@Injectable()
export class StatsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** The starts of a horse, jockey or trainer in a range of race days. */
  runsOf(kind: 'horse' | 'jockey' | 'trainer', id: string, from: string, to: string): Promise<StatsRun[]> {
    const column = { horse: '"hrNo"', jockey: '"jkNo"', trainer: '"trNo"' }[kind];
    return this.dataSource.query<StatsRun[]>(`${STATS_RUNS} WHERE ${column} = $4 ORDER BY date`, [from, to, null, id]);
  }

  /** Every start at a meet between two distances in a range of race days. */
  runsAt(meet: number, distanceFrom: number, distanceTo: number, from: string, to: string): Promise<StatsRun[]> {
    return this.dataSource.query<StatsRun[]>(`${STATS_RUNS} WHERE "distanceM" BETWEEN $4 AND $5`, [
      from,
      to,
      meet,
      distanceFrom,
      distanceTo,
    ]);
  }

  async exists(kind: 'horse' | 'jockey' | 'trainer', id: string): Promise<boolean> {
    const table = { horse: 'horses WHERE hr_no', jockey: 'jockeys WHERE jk_no', trainer: 'trainers WHERE tr_no' }[kind];
    const rows = await this.dataSource.query<unknown[]>(`SELECT 1 FROM ${table} = $1`, [id]);
    return rows.length > 0;
  }
}
