import { ENTRY_FIELD_COLUMNS, ENTRY_JOINS, EntryFields, pickEntryFields, RACE_CARD_COLUMNS } from '@app/collection';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { LegacyEnvelope, legacyEnvelope, LegacyKind, LEGACY_VENUES } from './legacy-files';
import { hasLegacyDetails, LegacyRaceCard, legacyItems, LegacyRunner } from './legacy-items';

/** A race in the database, with what a legacy file of it would hold. */
export interface LegacyRaceData {
  card: LegacyRaceCard;
  /** Runners that were not scratched, by gate. */
  runners: LegacyRunner[];
}

/** Which races to export: a date range (YYYY-MM-DD, both included), optionally one meet. */
export interface LegacyRaceFilter {
  from: string;
  to: string;
  meet?: number;
}

export interface LegacyRaceRef {
  date: string;
  meet: number;
  raceNo: number;
}

/** Races read per query while listing a range: a year of races is never held at once. */
const LIST_PAGE_SIZE = 200;

/** Meets with a legacy venue directory. */
const LEGACY_MEETS = Object.keys(LEGACY_VENUES).map(Number);

/**
 * Reads races from the database in the shape of the legacy files (`_prerace`, `_enriched`): the
 * race card and the runners that were not scratched, each runner's master data and its pre-race
 * snapshot. Reads no result, dividend or observed-condition column, so nothing post-race can reach
 * a legacy file.
 */
@Injectable()
export class LegacyRaceBuilder {
  constructor(private readonly dataSource: DataSource) {}

  /** The legacy envelope of one race, or null for a race we do not have. */
  async envelope(date: string, meet: number, raceNo: number, kind: LegacyKind): Promise<LegacyEnvelope | null> {
    const data = await this.load(date, meet, raceNo);
    return data ? legacyRaceEnvelope(data, kind) : null;
  }

  /** A race's card and runners, read in one snapshot of the database; null for an unknown race. */
  load(date: string, meet: number, raceNo: number): Promise<LegacyRaceData | null> {
    return this.dataSource.transaction('REPEATABLE READ', async (manager) => {
      const [card] = await manager.query<(LegacyRaceCard & { id: string })[]>(
        `SELECT r.id, to_char(r.race_date, 'YYYY-MM-DD') AS date, r.meet, ${RACE_CARD_COLUMNS}, r.scheduled_start AS "scheduledStart"
           FROM races r WHERE r.race_date = $1 AND r.meet = $2 AND r.race_no = $3`,
        [date, meet, raceNo],
      );
      if (!card) return null;
      const { id, ...rest } = card;
      return { card: rest, runners: await this.runners(manager, id) };
    });
  }

  /** Races of a range that have runners, by date, meet and race number, read page by page. */
  async *races(filter: LegacyRaceFilter): AsyncGenerator<LegacyRaceRef> {
    let after: LegacyRaceRef = { date: '0001-01-01', meet: 0, raceNo: 0 };
    for (;;) {
      const page = await this.dataSource.query<LegacyRaceRef[]>(
        `SELECT to_char(r.race_date, 'YYYY-MM-DD') AS date, r.meet, r.race_no AS "raceNo" FROM races r
          WHERE ${RANGE} AND (r.race_date, r.meet, r.race_no) > ($4::date, $5::smallint, $6::smallint)
          ORDER BY r.race_date, r.meet, r.race_no LIMIT ${LIST_PAGE_SIZE}`,
        [...rangeParams(filter), after.date, after.meet, after.raceNo],
      );
      yield* page;
      if (page.length < LIST_PAGE_SIZE) return;
      after = page[page.length - 1];
    }
  }

  async countRaces(filter: LegacyRaceFilter): Promise<number> {
    const [row] = await this.dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM races r WHERE ${RANGE}`,
      rangeParams(filter),
    );
    return row?.n ?? 0;
  }

  private async runners(manager: EntityManager, raceId: string): Promise<LegacyRunner[]> {
    const rows = await manager.query<RunnerRow[]>(
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
      [raceId],
    );
    return rows.map(toRunner);
  }
}

/** A race's legacy file content of either kind. */
export function legacyRaceEnvelope(data: LegacyRaceData, kind: LegacyKind): LegacyEnvelope {
  return legacyEnvelope(legacyItems(data.card, data.runners, kind));
}

/** Whether a race gets an `_enriched` file: some runner has a pre-race snapshot. */
export function hasLegacyEnriched(data: LegacyRaceData): boolean {
  return hasLegacyDetails(data.runners);
}

/** Every filter part given; meets without a legacy venue (4) are never exported. */
const RANGE = `r.race_date BETWEEN $1::date AND $2::date AND r.meet = ANY($3::smallint[])
  AND EXISTS (SELECT 1 FROM entries e WHERE e.race_id = r.id AND NOT e.scratched)`;

function rangeParams(filter: LegacyRaceFilter): unknown[] {
  return [filter.from, filter.to, filter.meet === undefined ? LEGACY_MEETS : [filter.meet]];
}

interface RunnerRow extends EntryFields {
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

function toRunner(row: RunnerRow): LegacyRunner {
  return {
    gateNo: row.gateNo,
    horse: { no: row.hrNo, name: row.hrName },
    jockey: { no: row.jkNo, name: row.jkName },
    trainer: { no: row.trNo, name: row.trName },
    owner: { no: row.owNo, name: row.owName },
    ...pickEntryFields(row),
    horseMaster: {
      meet: row.hMeet,
      sex: row.hSex,
      birthDate: row.hBirthDate,
      origin: row.hOrigin,
      sire: { no: row.hSireNo, name: row.hSireName },
      dam: { no: row.hDamNo, name: row.hDamName },
      owner: { no: row.hOwNo, name: row.hOwName },
      trainer: { no: row.hTrNo, name: row.hTrName },
    },
    jockeyMaster:
      row.jkNo === null
        ? null
        : {
            meet: row.jMeet,
            birthDate: row.jBirthDate,
            debutDate: row.jDebutDate,
            affiliation: row.jAffiliation,
            weightKg: row.jWeightKg,
          },
    trainerMaster:
      row.trNo === null
        ? null
        : { meet: row.tMeet, birthDate: row.tBirthDate, licensedSince: row.tLicensedSince, stable: row.tStable },
    snapshot: { horse: row.sHorse, jockey: row.sJockey, trainer: row.sTrainer },
  };
}
