import type { EntryRecord, RacePlanRecord } from '@app/kra-client';
import { Injectable } from '@nestjs/common';
import type { RaceCardFields } from '../pre-race-fields';
import { DataSource, EntityManager } from 'typeorm';

/** Race-level facts known before the race, merged from the race plan and the entry sheet. */
export interface RaceCard extends RaceCardFields {
  /** ISO 8601, as the KRA records give it. */
  scheduledStart: string | null;
  hasEntries: boolean;
  sourceId: string | null;
  /** The details of its runners are written in the same transaction (sets details_collected_at once). */
  detailsCollected?: boolean;
}

export interface SnapshotParts {
  horse: unknown;
  jockey: unknown;
  trainer: unknown;
}

/**
 * Race cards and their entries (with the pre-race snapshot): what is known before the off. Every write is an upsert on a natural key,
 * and an update only happens when a value actually changed (`IS DISTINCT FROM`), so re-running a
 * collection leaves every row, timestamps included, as it was.
 */
@Injectable()
export class RaceCardsRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Upserts a race's card; never moves a finished, cancelled or void race back to an earlier status. */
  async upsertRace(manager: EntityManager, date: string, meet: number, card: RaceCard): Promise<string> {
    const [row] = await manager.query<{ id: string }[]>(
      `INSERT INTO races AS r (race_date, meet, race_no, name, distance_m, race_class, age_condition, sex_condition,
                              weight_condition, prize_condition, prizes, scheduled_start, status, entries_collected_at, source_id,
                              details_collected_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, CASE WHEN $14 THEN now() END, $15, CASE WHEN $16 THEN now() END)
       ON CONFLICT (race_date, meet, race_no) DO UPDATE SET
         name = COALESCE(EXCLUDED.name, r.name),
         distance_m = COALESCE(EXCLUDED.distance_m, r.distance_m),
         race_class = COALESCE(EXCLUDED.race_class, r.race_class),
         age_condition = COALESCE(EXCLUDED.age_condition, r.age_condition),
         sex_condition = COALESCE(EXCLUDED.sex_condition, r.sex_condition),
         weight_condition = COALESCE(EXCLUDED.weight_condition, r.weight_condition),
         prize_condition = COALESCE(EXCLUDED.prize_condition, r.prize_condition),
         prizes = CASE WHEN cardinality(EXCLUDED.prizes) > 0 THEN EXCLUDED.prizes ELSE r.prizes END,
         scheduled_start = COALESCE(EXCLUDED.scheduled_start, r.scheduled_start),
         status = CASE WHEN r.status IN ('finished', 'cancelled', 'void') THEN r.status
                       WHEN EXCLUDED.status = 'entries' THEN 'entries' ELSE r.status END,
         entries_collected_at = COALESCE(r.entries_collected_at, EXCLUDED.entries_collected_at),
         details_collected_at = COALESCE(r.details_collected_at, EXCLUDED.details_collected_at),
         source_id = COALESCE(EXCLUDED.source_id, r.source_id),
         updated_at = now()
       WHERE (r.name, r.distance_m, r.race_class, r.age_condition, r.sex_condition, r.weight_condition, r.prize_condition,
              r.prizes, r.scheduled_start, r.status, r.entries_collected_at IS NULL AND $14, r.details_collected_at IS NULL AND $16, r.source_id)
             IS DISTINCT FROM
             (COALESCE(EXCLUDED.name, r.name), COALESCE(EXCLUDED.distance_m, r.distance_m), COALESCE(EXCLUDED.race_class, r.race_class),
              COALESCE(EXCLUDED.age_condition, r.age_condition), COALESCE(EXCLUDED.sex_condition, r.sex_condition),
              COALESCE(EXCLUDED.weight_condition, r.weight_condition), COALESCE(EXCLUDED.prize_condition, r.prize_condition),
              CASE WHEN cardinality(EXCLUDED.prizes) > 0 THEN EXCLUDED.prizes ELSE r.prizes END,
              COALESCE(EXCLUDED.scheduled_start, r.scheduled_start),
              CASE WHEN r.status IN ('finished', 'cancelled', 'void') THEN r.status WHEN EXCLUDED.status = 'entries' THEN 'entries' ELSE r.status END,
              false, false, COALESCE(EXCLUDED.source_id, r.source_id))
       RETURNING id`,
      [
        date,
        meet,
        card.raceNo,
        card.name,
        card.distanceM,
        card.raceClass,
        card.ageCondition,
        card.sexCondition,
        card.weightCondition,
        card.prizeCondition,
        card.prizes,
        card.scheduledStart,
        card.hasEntries ? 'entries' : 'scheduled',
        card.hasEntries,
        card.sourceId,
        card.detailsCollected === true,
      ],
    );
    if (row) return row.id;
    return this.raceId(manager, date, meet, card.raceNo) as Promise<string>;
  }

  async raceId(manager: EntityManager, date: string, meet: number, raceNo: number): Promise<string | undefined> {
    const [row] = await manager.query<{ id: string }[]>(
      'SELECT id FROM races WHERE race_date = $1 AND meet = $2 AND race_no = $3',
      [date, meet, raceNo],
    );
    return row?.id;
  }

  /**
   * Upserts the runners of one race, by gate, in one statement; returns entry ids by horse id. Body
   * weights announced before the race may come along, by gate; a runner without one keeps the stored one.
   */
  async upsertEntries(
    manager: EntityManager,
    raceId: string,
    entries: EntryRecord[],
    sourceId: string,
    bodyWeights: ReadonlyMap<number, { kg: number | null; change: number | null }> = new Map(),
  ): Promise<Map<string, string>> {
    const byGate = new Map<number, EntryRecord>();
    for (const entry of entries) if (entry.horse.id && entry.gateNo !== null) byGate.set(entry.gateNo, entry);
    if (byGate.size === 0) return new Map();
    const rows = [...byGate.values()]
      .sort((a, b) => (a.gateNo as number) - (b.gateNo as number))
      .map((entry) => ({
        gate_no: entry.gateNo,
        hr_no: entry.horse.id,
        jk_no: entry.jockey.id,
        tr_no: entry.trainer.id,
        ow_no: entry.owner.id,
        age: entry.age,
        sex: entry.sex,
        origin: entry.origin,
        carried_weight_kg: entry.carriedWeightKg,
        rating: entry.rating,
        equipment: entry.equipment,
        days_since_last_start: entry.daysSinceLastStart,
        body_weight_kg: bodyWeights.get(entry.gateNo as number)?.kg ?? null,
        body_weight_change: bodyWeights.get(entry.gateNo as number)?.change ?? null,
      }));
    // Changed and new rows come back from the upsert; unchanged ones are read in the same statement.
    const found = await manager.query<{ id: string; hr_no: string }[]>(
      `WITH v AS (SELECT * FROM jsonb_populate_recordset(NULL::entries, $2::jsonb)),
       upserted AS (
         INSERT INTO entries AS e (race_id, gate_no, hr_no, jk_no, tr_no, ow_no, age, sex, origin, carried_weight_kg, rating,
                                   equipment, days_since_last_start, body_weight_kg, body_weight_change, source_id)
         SELECT $1::bigint, v.gate_no, v.hr_no, v.jk_no, v.tr_no, v.ow_no, v.age, v.sex, v.origin, v.carried_weight_kg, v.rating,
                v.equipment, v.days_since_last_start, v.body_weight_kg, v.body_weight_change, $3::bigint
           FROM v ORDER BY v.gate_no
         ON CONFLICT (race_id, gate_no) DO UPDATE SET
           hr_no = EXCLUDED.hr_no, jk_no = EXCLUDED.jk_no, tr_no = EXCLUDED.tr_no, ow_no = EXCLUDED.ow_no, age = EXCLUDED.age,
           sex = EXCLUDED.sex, origin = EXCLUDED.origin, carried_weight_kg = EXCLUDED.carried_weight_kg, rating = EXCLUDED.rating,
           equipment = EXCLUDED.equipment, days_since_last_start = EXCLUDED.days_since_last_start,
           body_weight_kg = COALESCE(EXCLUDED.body_weight_kg, e.body_weight_kg),
           body_weight_change = CASE WHEN EXCLUDED.body_weight_kg IS NULL THEN e.body_weight_change ELSE EXCLUDED.body_weight_change END,
           source_id = EXCLUDED.source_id, updated_at = now()
         WHERE (e.hr_no, e.jk_no, e.tr_no, e.ow_no, e.age, e.sex, e.origin, e.carried_weight_kg, e.rating, e.equipment,
                e.days_since_last_start, e.body_weight_kg, e.body_weight_change, e.source_id)
               IS DISTINCT FROM
               (EXCLUDED.hr_no, EXCLUDED.jk_no, EXCLUDED.tr_no, EXCLUDED.ow_no, EXCLUDED.age, EXCLUDED.sex, EXCLUDED.origin,
                EXCLUDED.carried_weight_kg, EXCLUDED.rating, EXCLUDED.equipment, EXCLUDED.days_since_last_start,
                COALESCE(EXCLUDED.body_weight_kg, e.body_weight_kg),
                CASE WHEN EXCLUDED.body_weight_kg IS NULL THEN e.body_weight_change ELSE EXCLUDED.body_weight_change END,
                EXCLUDED.source_id)
         RETURNING e.id, e.gate_no, e.hr_no)
       SELECT id, hr_no FROM upserted
       UNION ALL
       SELECT e.id, e.hr_no FROM entries e JOIN v ON v.gate_no = e.gate_no
        WHERE e.race_id = $1::bigint AND e.gate_no NOT IN (SELECT gate_no FROM upserted)`,
      [raceId, JSON.stringify(rows), sourceId],
    );
    const ids = new Map(found.map((row) => [row.hr_no, row.id]));
    // A row another transaction inserted while this statement ran is not in its snapshot: read it anew.
    const missing = rows.filter((row) => !ids.has(row.hr_no as string)).map((row) => row.gate_no);
    if (missing.length > 0) {
      const late = await manager.query<{ id: string; hr_no: string }[]>(
        'SELECT id, hr_no FROM entries WHERE race_id = $1 AND gate_no = ANY($2::smallint[])',
        [raceId, missing],
      );
      for (const row of late) ids.set(row.hr_no, row.id);
    }
    return ids;
  }

  /**
   * The pre-race snapshot of one entry. Before the start it may be refreshed; from the start on it
   * is frozen: only a missing snapshot is written (marked as taken after the start).
   */
  async saveSnapshot(
    entryId: string,
    parts: SnapshotParts,
    takenAt: Date,
    beforeStart: boolean,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await this.saveSnapshots([{ entryId, parts }], takenAt, beforeStart, manager);
  }

  /** {@link saveSnapshot} for several entries taken at the same time, in one statement. */
  async saveSnapshots(
    snapshots: { entryId: string; parts: SnapshotParts }[],
    takenAt: Date,
    beforeStart: boolean,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    if (snapshots.length === 0) return;
    const rows = [...snapshots]
      .sort((a, b) => Number(a.entryId) - Number(b.entryId))
      .map(({ entryId, parts }) => ({
        entry_id: entryId,
        horse: parts.horse ?? null,
        jockey: parts.jockey ?? null,
        trainer: parts.trainer ?? null,
      }));
    await manager.query(
      `INSERT INTO entry_snapshots AS s (entry_id, taken_at, taken_before_start, horse, jockey, trainer)
       SELECT v.entry_id, $1::timestamptz, $2::boolean, v.horse, v.jockey, v.trainer
         FROM jsonb_populate_recordset(NULL::entry_snapshots, $3::jsonb) AS v
       ON CONFLICT (entry_id) DO UPDATE SET taken_at = EXCLUDED.taken_at, taken_before_start = EXCLUDED.taken_before_start,
         horse = COALESCE(EXCLUDED.horse, s.horse), jockey = COALESCE(EXCLUDED.jockey, s.jockey), trainer = COALESCE(EXCLUDED.trainer, s.trainer)
       WHERE EXCLUDED.taken_before_start AND (s.horse, s.jockey, s.trainer) IS DISTINCT FROM
             (COALESCE(EXCLUDED.horse, s.horse), COALESCE(EXCLUDED.jockey, s.jockey), COALESCE(EXCLUDED.trainer, s.trainer))`,
      [takenAt, beforeStart, JSON.stringify(rows)],
    );
  }

  async markDetailsCollected(raceIds: string[], manager: EntityManager = this.dataSource.manager): Promise<void> {
    if (raceIds.length === 0) return;
    await manager.query(
      'UPDATE races SET details_collected_at = now() WHERE id = ANY($1::bigint[]) AND details_collected_at IS NULL',
      [raceIds],
    );
  }

  /** Entries of a day, for the details and snapshot steps. */
  async dayEntries(
    date: string,
    meet: number,
  ): Promise<
    {
      entryId: string;
      raceId: string;
      raceNo: number;
      hrNo: string;
      jkNo: string | null;
      trNo: string | null;
      scheduledStart: Date | null;
    }[]
  > {
    const rows = await this.dataSource.query<
      {
        entry_id: string;
        race_id: string;
        race_no: number;
        hr_no: string;
        jk_no: string | null;
        tr_no: string | null;
        scheduled_start: Date | null;
      }[]
    >(
      `SELECT e.id AS entry_id, r.id AS race_id, r.race_no, e.hr_no, e.jk_no, e.tr_no, r.scheduled_start
         FROM entries e JOIN races r ON r.id = e.race_id WHERE r.race_date = $1 AND r.meet = $2 ORDER BY r.race_no, e.gate_no`,
      [date, meet],
    );
    return rows.map((row) => ({
      entryId: row.entry_id,
      raceId: row.race_id,
      raceNo: row.race_no,
      hrNo: row.hr_no,
      jkNo: row.jk_no,
      trNo: row.tr_no,
      scheduledStart: row.scheduled_start,
    }));
  }
}

export function cardFrom(
  plan: RacePlanRecord | undefined,
  entries: EntryRecord[],
  raceNo: number,
  sourceId: string | null,
): RaceCard {
  const first = entries[0];
  return {
    raceNo,
    name: plan?.raceName ?? first?.raceName ?? null,
    distanceM: plan?.distanceM ?? first?.distanceM ?? null,
    raceClass: plan?.raceClass ?? first?.raceClass ?? null,
    ageCondition: plan?.ageCondition ?? first?.ageCondition ?? null,
    sexCondition: plan?.sexCondition ?? null,
    weightCondition: plan?.weightCondition ?? first?.weightCondition ?? null,
    prizeCondition: plan?.prizeCondition ?? first?.prizeCondition ?? null,
    prizes: plan?.prizes ?? (first?.firstPrize ? [first.firstPrize] : []),
    scheduledStart: plan?.scheduledStart ?? first?.scheduledStart ?? null,
    hasEntries: entries.length > 0,
    sourceId,
  };
}
