import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ENTRY_FIELD_COLUMNS, ENTRY_JOINS, EntryFields, RACE_CARD_COLUMNS, RaceCardFields } from '../pre-race-fields';
import type { RaceStatus } from './read-params.dto';

/**
 * Read-side SQL, one query per method. Conversions happen in SQL so that rows are JSON-ready:
 * dates via to_char (pg would give a local-midnight Date), numeric and bigint as float8 (pg gives
 * strings). Timestamps come back as Dates and are turned into ISO strings by the callers.
 */
@Injectable()
export class RaceReadService {
  constructor(private readonly dataSource: DataSource) {}

  /** One row per race of a day, with collection timestamps and per-stage row counts. */
  collectionRows(date: string, meet: number): Promise<CollectionRow[]> {
    return this.dataSource.query<CollectionRow[]>(
      `SELECT r.race_no AS "raceNo", r.status, r.name, r.distance_m AS "distanceM", r.race_class AS "raceClass",
              r.scheduled_start AS "scheduledStart",
              r.entries_collected_at AS "entriesAt", r.details_collected_at AS "detailsAt",
              r.results_collected_at AS "resultsAt", r.dividends_collected_at AS "dividendsAt",
              (SELECT count(*)::int FROM entries e WHERE e.race_id = r.id) AS "entryCount",
              (SELECT count(*)::int FROM entries e JOIN entry_snapshots s ON s.entry_id = e.id WHERE e.race_id = r.id) AS "snapshotCount",
              (SELECT count(*)::int FROM entries e JOIN results x ON x.entry_id = e.id WHERE e.race_id = r.id) AS "resultCount",
              (SELECT count(*)::int FROM dividends d WHERE d.race_id = r.id) AS "dividendCount"
         FROM races r
        WHERE r.race_date = $1 AND r.meet = $2
        ORDER BY r.race_no`,
      [date, meet],
    );
  }

  async countRaces(filter: RaceFilter): Promise<number> {
    const [row] = await this.dataSource.query<{ total: number }[]>(
      `SELECT count(*)::int AS total FROM races r WHERE ${RACE_FILTER}`,
      filterParams(filter),
    );
    return row?.total ?? 0;
  }

  listRaces(filter: RaceFilter, page: number, limit: number): Promise<RaceRow[]> {
    return this.dataSource.query<RaceRow[]>(
      `SELECT ${RACE_COLUMNS} FROM races r WHERE ${RACE_FILTER}
        ORDER BY r.race_date DESC, r.meet, r.race_no
        LIMIT $5 OFFSET $6`,
      [...filterParams(filter), limit, (page - 1) * limit],
    );
  }

  /** A race's pre-race columns: nothing observed at or after the off. */
  async race(date: string, meet: number, raceNo: number): Promise<RaceRow | undefined> {
    const rows = await this.dataSource.query<RaceRow[]>(
      `SELECT ${RACE_COLUMNS} FROM races r WHERE r.race_date = $1 AND r.meet = $2 AND r.race_no = $3`,
      [date, meet, raceNo],
    );
    return rows[0];
  }

  /** Conditions observed at the race: for the full view only. */
  async raceObservations(raceId: string): Promise<ObservationRow> {
    const [row] = await this.dataSource.query<ObservationRow[]>(
      `SELECT weather, going, moisture_percent::float8 AS "moisturePercent" FROM races WHERE id = $1`,
      [raceId],
    );
    return row ?? { weather: null, going: null, moisturePercent: null };
  }

  /** Entries with names and the pre-race snapshot; reads no result table and no current career column. */
  entries(raceId: string): Promise<EntryRow[]> {
    return this.dataSource.query<EntryRow[]>(
      `SELECT e.id AS "entryId", e.gate_no AS "gateNo",
              e.hr_no AS "hrNo", h.name AS "horseName", e.jk_no AS "jkNo", j.name AS "jockeyName",
              e.tr_no AS "trNo", t.name AS "trainerName", e.ow_no AS "owNo", o.name AS "ownerName",
              ${ENTRY_FIELD_COLUMNS},
              e.scratched, e.scratch_reason AS "scratchReason",
              s.taken_at AS "snapshotTakenAt", s.taken_before_start AS "snapshotTakenBeforeStart", s.horse AS "horseSnapshot", s.jockey AS "jockeySnapshot", s.trainer AS "trainerSnapshot"
         FROM ${ENTRY_JOINS}
        WHERE e.race_id = $1
        ORDER BY e.gate_no`,
      [raceId],
    );
  }

  results(raceId: string): Promise<(ResultRow & { entryId: string })[]> {
    return this.dataSource.query<(ResultRow & { entryId: string })[]>(
      `SELECT x.entry_id AS "entryId", ${RESULT_COLUMNS}
         FROM results x JOIN entries e ON e.id = x.entry_id
        WHERE e.race_id = $1`,
      [raceId],
    );
  }

  dividends(raceId: string): Promise<DividendRow[]> {
    return this.dataSource.query<DividendRow[]>(
      `SELECT pool, combination, payout::float8 AS payout, no_payout AS "noPayout"
         FROM dividends WHERE race_id = $1
        ORDER BY pool, combination`,
      [raceId],
    );
  }

  async horse(hrNo: string): Promise<HorseRow | undefined> {
    const rows = await this.dataSource.query<HorseRow[]>(
      `SELECT h.hr_no AS "hrNo", h.name, h.meet, h.sex, to_char(h.birth_date, 'YYYY-MM-DD') AS "birthDate", h.origin,
              h.sire_no AS "sireNo", h.sire_name AS "sireName", h.dam_no AS "damNo", h.dam_name AS "damName",
              h.ow_no AS "owNo", o.name AS "ownerName", h.tr_no AS "trNo", t.name AS "trainerName",
              h.race_class AS "raceClass", h.rating, h.total_prize::float8 AS "totalPrize", h.career, h.details_at AS "detailsAt"
         FROM horses h
         LEFT JOIN owners o ON o.ow_no = h.ow_no
         LEFT JOIN trainers t ON t.tr_no = h.tr_no
        WHERE h.hr_no = $1`,
      [hrNo],
    );
    return rows[0];
  }

  async jockey(jkNo: string): Promise<JockeyRow | undefined> {
    const rows = await this.dataSource.query<JockeyRow[]>(
      `SELECT jk_no AS "jkNo", name, meet, to_char(birth_date, 'YYYY-MM-DD') AS "birthDate",
              to_char(debut_date, 'YYYY-MM-DD') AS "debutDate", affiliation, weight_kg::float8 AS "weightKg",
              career, details_at AS "detailsAt"
         FROM jockeys WHERE jk_no = $1`,
      [jkNo],
    );
    return rows[0];
  }

  async trainer(trNo: string): Promise<TrainerRow | undefined> {
    const rows = await this.dataSource.query<TrainerRow[]>(
      `SELECT tr_no AS "trNo", name, meet, to_char(birth_date, 'YYYY-MM-DD') AS "birthDate",
              to_char(licensed_since, 'YYYY-MM-DD') AS "licensedSince", stable, career, details_at AS "detailsAt"
         FROM trainers WHERE tr_no = $1`,
      [trNo],
    );
    return rows[0];
  }

  /** The last 20 entries of a horse, jockey or trainer, newest first, with results where collected. */
  recentStarts(by: 'horse' | 'jockey' | 'trainer', no: string): Promise<StartRow[]> {
    const column = { horse: 'e.hr_no', jockey: 'e.jk_no', trainer: 'e.tr_no' }[by];
    return this.dataSource.query<StartRow[]>(
      `SELECT to_char(r.race_date, 'YYYY-MM-DD') AS date, r.meet, r.race_no AS "raceNo", r.name AS "raceName",
              r.distance_m AS "distanceM", r.status AS "raceStatus", e.gate_no AS "gateNo",
              e.hr_no AS "hrNo", h.name AS "horseName", e.jk_no AS "jkNo", j.name AS "jockeyName",
              e.tr_no AS "trNo", t.name AS "trainerName", e.scratched,
              x.entry_id IS NOT NULL AS "hasResult", ${RESULT_COLUMNS}
         FROM entries e
         JOIN races r ON r.id = e.race_id
         JOIN horses h ON h.hr_no = e.hr_no
         LEFT JOIN jockeys j ON j.jk_no = e.jk_no
         LEFT JOIN trainers t ON t.tr_no = e.tr_no
         LEFT JOIN results x ON x.entry_id = e.id
        WHERE ${column} = $1
        ORDER BY r.race_date DESC, r.race_no DESC, r.meet
        LIMIT 20`,
      [no],
    );
  }
  /**
   * A race's card and its runners that were not scratched, each with its master data and pre-race
   * snapshot, read in one snapshot of the database; null for an unknown race. Reads no result,
   * dividend or observed-condition column: nothing post-race is in it.
   */
  preRaceRace(
    date: string,
    meet: number,
    raceNo: number,
  ): Promise<{ card: PreRaceCardRow; runners: PreRaceRunnerRow[] } | null> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const [card] = await manager.query<(PreRaceCardRow & { id: string })[]>(
        `SELECT r.id, to_char(r.race_date, 'YYYY-MM-DD') AS date, r.meet, ${RACE_CARD_COLUMNS}, r.scheduled_start AS "scheduledStart"
           FROM races r WHERE r.race_date = $1 AND r.meet = $2 AND r.race_no = $3`,
        [date, meet, raceNo],
      );
      if (!card) return null;
      const { id, ...rest } = card;
      const runners = await manager.query<PreRaceRunnerRow[]>(
        `SELECT e.gate_no AS "gateNo", e.hr_no AS "hrNo", h.name AS "hrName", e.jk_no AS "jkNo", j.name AS "jkName",
              e.tr_no AS "trNo", t.name AS "trName", e.ow_no AS "owNo", o.name AS "owName",
              ${ENTRY_FIELD_COLUMNS},
              h.meet AS "hMeet", h.sex AS "hSex", to_char(h.birth_date, 'YYYY-MM-DD') AS "hBirthDate", h.origin AS "hOrigin",
              h.sire_no AS "hSireNo", h.sire_name AS "hSireName", h.dam_no AS "hDamNo", h.dam_name AS "hDamName",
              h.ow_no AS "hOwNo", ho.name AS "hOwName", h.tr_no AS "hTrNo", ht.name AS "hTrName",
              j.meet AS "jMeet", to_char(j.birth_date, 'YYYY-MM-DD') AS "jBirthDate", to_char(j.debut_date, 'YYYY-MM-DD') AS "jDebutDate",
              j.affiliation AS "jAffiliation", j.weight_kg::float8 AS "jWeightKg",
              t.meet AS "tMeet", to_char(t.birth_date, 'YYYY-MM-DD') AS "tBirthDate", to_char(t.licensed_since, 'YYYY-MM-DD') AS "tLicensedSince",
              t.stable AS "tStable",
              s.horse AS "sHorse", s.jockey AS "sJockey", s.trainer AS "sTrainer"
         FROM ${ENTRY_JOINS}
         LEFT JOIN owners ho ON ho.ow_no = h.ow_no
         LEFT JOIN trainers ht ON ht.tr_no = h.tr_no
        WHERE e.race_id = $1 AND NOT e.scratched
        ORDER BY e.gate_no`,
        [id],
      );
      return { card: rest, runners };
    });
  }

  /** Races of a range, of `meets`, that have runners, after `after` in (date, meet, race) order: one page. */
  racesWithRunners(range: RaceRange, after: RaceRef, limit: number): Promise<RaceRef[]> {
    return this.dataSource.query<RaceRef[]>(
      `SELECT to_char(r.race_date, 'YYYY-MM-DD') AS date, r.meet, r.race_no AS "raceNo" FROM races r
        WHERE ${WITH_RUNNERS_IN_RANGE} AND (r.race_date, r.meet, r.race_no) > ($4::date, $5::smallint, $6::smallint)
        ORDER BY r.race_date, r.meet, r.race_no LIMIT $7`,
      [range.from, range.to, range.meets, after.date, after.meet, after.raceNo, limit],
    );
  }

  async countRacesWithRunners(range: RaceRange): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM races r WHERE ${WITH_RUNNERS_IN_RANGE}`,
      [range.from, range.to, range.meets],
    );
    return row?.n ?? 0;
  }
}

const RACE_COLUMNS = `r.id, to_char(r.race_date, 'YYYY-MM-DD') AS date, r.meet, ${RACE_CARD_COLUMNS},
  r.scheduled_start AS "scheduledStart", r.status,
  (SELECT count(*)::int FROM entries e WHERE e.race_id = r.id) AS "entryCount"`;

/** Every filter optional; a static statement keeps one plan per shape in pg's cache. */
const RACE_FILTER = `($1::date IS NULL OR r.race_date >= $1::date)
  AND ($2::date IS NULL OR r.race_date <= $2::date)
  AND ($3::smallint IS NULL OR r.meet = $3::smallint)
  AND ($4::text IS NULL OR r.status = $4::text)`;

const RESULT_COLUMNS = `x.finish_position AS "finishPosition", x.finish_status AS "finishStatus",
  x.race_time_s::float8 AS "raceTimeS", x.margin, x.note, x.win_odds::float8 AS "winOdds",
  x.place_odds::float8 AS "placeOdds", x.sectionals`;

function filterParams(filter: RaceFilter): unknown[] {
  return [filter.from ?? null, filter.to ?? null, filter.meet ?? null, filter.status ?? null];
}

export interface RaceFilter {
  from?: string;
  to?: string;
  meet?: number;
  status?: RaceStatus;
}

export interface CollectionRow {
  raceNo: number;
  status: RaceStatus;
  name: string | null;
  distanceM: number | null;
  raceClass: string | null;
  scheduledStart: Date | null;
  entriesAt: Date | null;
  detailsAt: Date | null;
  resultsAt: Date | null;
  dividendsAt: Date | null;
  entryCount: number;
  snapshotCount: number;
  resultCount: number;
  dividendCount: number;
}

export interface RaceRow extends RaceCardFields {
  /** bigserial: pg returns it as a string. Internal, never sent. */
  id: string;
  date: string;
  meet: number;
  scheduledStart: Date | null;
  status: RaceStatus;
  entryCount: number;
}

export interface ObservationRow {
  weather: string | null;
  going: string | null;
  moisturePercent: number | null;
}

export interface EntryRow extends EntryFields {
  entryId: string;
  gateNo: number;
  hrNo: string;
  horseName: string;
  jkNo: string | null;
  jockeyName: string | null;
  trNo: string | null;
  trainerName: string | null;
  owNo: string | null;
  ownerName: string | null;
  scratched: boolean;
  scratchReason: string | null;
  snapshotTakenAt: Date | null;
  snapshotTakenBeforeStart: boolean | null;
  horseSnapshot: Record<string, unknown> | null;
  jockeySnapshot: Record<string, unknown> | null;
  trainerSnapshot: Record<string, unknown> | null;
}

export interface ResultRow {
  finishPosition: number | null;
  finishStatus: string | null;
  raceTimeS: number | null;
  margin: string | null;
  note: string | null;
  winOdds: number | null;
  placeOdds: number | null;
  sectionals: Record<string, unknown>;
}

export interface DividendRow {
  pool: string;
  combination: string;
  payout: number | null;
  noPayout: boolean;
}

export interface HorseRow {
  hrNo: string;
  name: string;
  meet: number | null;
  sex: string | null;
  birthDate: string | null;
  origin: string | null;
  sireNo: string | null;
  sireName: string | null;
  damNo: string | null;
  damName: string | null;
  owNo: string | null;
  ownerName: string | null;
  trNo: string | null;
  trainerName: string | null;
  raceClass: string | null;
  rating: number | null;
  totalPrize: number | null;
  career: Record<string, unknown> | null;
  detailsAt: Date | null;
}

export interface JockeyRow {
  jkNo: string;
  name: string;
  meet: number | null;
  birthDate: string | null;
  debutDate: string | null;
  affiliation: string | null;
  weightKg: number | null;
  career: Record<string, unknown> | null;
  detailsAt: Date | null;
}

export interface TrainerRow {
  trNo: string;
  name: string;
  meet: number | null;
  birthDate: string | null;
  licensedSince: string | null;
  stable: string | null;
  career: Record<string, unknown> | null;
  detailsAt: Date | null;
}

export interface StartRow extends ResultRow {
  date: string;
  meet: number;
  raceNo: number;
  raceName: string | null;
  distanceM: number | null;
  raceStatus: RaceStatus;
  gateNo: number;
  hrNo: string;
  horseName: string;
  jkNo: string | null;
  jockeyName: string | null;
  trNo: string | null;
  trainerName: string | null;
  scratched: boolean;
  hasResult: boolean;
}

/** A race's card before the off. */
export interface PreRaceCardRow extends RaceCardFields {
  /** YYYY-MM-DD */
  date: string;
  meet: number;
  scheduledStart: Date | null;
}

/** A runner as it stood before the off: the entry, names, master data (h/j/t) and the snapshot (s). */
export interface PreRaceRunnerRow extends EntryFields {
  gateNo: number;
  hrNo: string;
  hrName: string;
  jkNo: string | null;
  jkName: string | null;
  trNo: string | null;
  trName: string | null;
  owNo: string | null;
  owName: string | null;
  hMeet: number | null;
  hSex: string | null;
  hBirthDate: string | null;
  hOrigin: string | null;
  hSireNo: string | null;
  hSireName: string | null;
  hDamNo: string | null;
  hDamName: string | null;
  hOwNo: string | null;
  hOwName: string | null;
  hTrNo: string | null;
  hTrName: string | null;
  jMeet: number | null;
  jBirthDate: string | null;
  jDebutDate: string | null;
  jAffiliation: string | null;
  jWeightKg: number | null;
  tMeet: number | null;
  tBirthDate: string | null;
  tLicensedSince: string | null;
  tStable: string | null;
  sHorse: Record<string, unknown> | null;
  sJockey: Record<string, unknown> | null;
  sTrainer: Record<string, unknown> | null;
}

/** Races from `from` to `to` (YYYY-MM-DD, both included) of `meets`. */
export interface RaceRange {
  from: string;
  to: string;
  meets: number[];
}

export interface RaceRef {
  date: string;
  meet: number;
  raceNo: number;
}

const WITH_RUNNERS_IN_RANGE = `r.race_date BETWEEN $1::date AND $2::date AND r.meet = ANY($3::smallint[])
  AND EXISTS (SELECT 1 FROM entries e WHERE e.race_id = r.id AND NOT e.scratched)`;
