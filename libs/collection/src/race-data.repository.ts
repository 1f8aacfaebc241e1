import type {
  DividendRecord,
  EntryRecord,
  HorseRecord,
  JockeyRecord,
  RacePlanRecord,
  RaceResultRecord,
  TrainerRecord,
} from '@app/kra-client';
import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import type { RaceCardFields } from './pre-race-fields';

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
 * Single-purpose writes of the race data model. Every write is an upsert on a natural key, and an
 * update only happens when a value actually changed (`IS DISTINCT FROM`), so re-running a
 * collection leaves every row, timestamps included, as it was.
 */
@Injectable()
export class RaceDataRepository {
  constructor(readonly dataSource: DataSource) {}

  /** Stores an upstream answer once (by content hash) and returns its id for provenance. */
  async saveResponse(
    service: string,
    params: Record<string, string>,
    raw: readonly unknown[],
    manager: EntityManager = this.dataSource.manager,
  ): Promise<string> {
    const { body, hash } = responseHash(service, params, raw);
    const [row] = await manager.query<{ id: string }[]>(
      `WITH inserted AS (
         INSERT INTO upstream_responses (service, params, body_hash, body) VALUES ($1, $2, $3, $4)
         ON CONFLICT (service, body_hash) DO NOTHING RETURNING id)
       SELECT id FROM inserted UNION ALL SELECT id FROM upstream_responses WHERE service = $1 AND body_hash = $3 LIMIT 1`,
      [service, JSON.stringify(params), hash, body],
    );
    if (row) return row.id;
    // Another transaction inserted the same response while ours ran: our statement waited for it,
    // skipped the insert, and its snapshot predates that row. A new statement sees it.
    const [existing] = await manager.query<{ id: string }[]>(
      'SELECT id FROM upstream_responses WHERE service = $1 AND body_hash = $2',
      [service, hash],
    );
    if (!existing) throw new Error(`upstream response ${service} ${hash} vanished while being saved`);
    return existing.id;
  }

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
   * The races of a day and meet, in one query, by race number: the scheduled start, the number of
   * entries, and the upstream response they all came from (its service and `responseHash`), if they
   * share one. An importer compares that hash with its own to skip unchanged races.
   */
  async raceDaySources(
    date: string,
    meet: number,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<
    Map<number, { scheduledStart: Date | null; entries: number; source: { service: string; bodyHash: string } | null }>
  > {
    const rows = await manager.query<
      {
        race_no: number;
        scheduled_start: Date | null;
        entries: number;
        with_source: number;
        sources: number;
        service: string | null;
        body_hash: string | null;
      }[]
    >(
      `SELECT r.race_no, r.scheduled_start, count(e.id)::int AS entries, count(e.source_id)::int AS with_source,
              count(DISTINCT e.source_id)::int AS sources, min(u.service) AS service, min(u.body_hash) AS body_hash
         FROM races r LEFT JOIN entries e ON e.race_id = r.id LEFT JOIN upstream_responses u ON u.id = e.source_id
        WHERE r.race_date = $1 AND r.meet = $2 GROUP BY r.id`,
      [date, meet],
    );
    return new Map(
      rows.map((row) => [
        row.race_no,
        {
          scheduledStart: row.scheduled_start,
          entries: row.entries,
          source:
            row.entries > 0 && row.with_source === row.entries && row.sources === 1 && row.service && row.body_hash
              ? { service: row.service, bodyHash: row.body_hash }
              : null,
        },
      ]),
    );
  }

  /**
   * Names and ids seen on a card, in one statement; details (career, pedigree) are written by the
   * details step. Rows already holding the name are left out before the upsert, which would lock them
   * even unchanged: concurrent races sharing jockeys and trainers do not wait on each other.
   */
  async upsertPeople(manager: EntityManager, entries: EntryRecord[]): Promise<void> {
    const unique = (refs: { id: string | null; name: string | null }[]): [string[], string[]] => {
      const byId = new Map<string, string>();
      for (const ref of refs) if (ref.id && ref.name) byId.set(ref.id, ref.name);
      const ids = [...byId.keys()].sort();
      return [ids, ids.map((id) => byId.get(id) ?? '')];
    };
    const tables = [
      ['horses', 'hr_no', unique(entries.map((entry) => entry.horse))],
      ['jockeys', 'jk_no', unique(entries.map((entry) => entry.jockey))],
      ['trainers', 'tr_no', unique(entries.map((entry) => entry.trainer))],
      ['owners', 'ow_no', unique(entries.map((entry) => entry.owner))],
    ] as const;
    if (tables.every(([, , [ids]]) => ids.length === 0)) return;
    const upserts = tables.map(
      ([table, key], index) =>
        `${table}_names AS (
           INSERT INTO ${table} AS t (${key}, name)
           SELECT v.id, v.name FROM unnest($${index * 2 + 1}::varchar[], $${index * 2 + 2}::text[]) AS v (id, name)
            WHERE NOT EXISTS (SELECT 1 FROM ${table} c WHERE c.${key} = v.id AND c.name = v.name)
           ON CONFLICT (${key}) DO UPDATE SET name = EXCLUDED.name, updated_at = now() WHERE t.name IS DISTINCT FROM EXCLUDED.name)`,
    );
    await manager.query(
      `WITH ${upserts.join(',\n')} SELECT 1`,
      tables.flatMap(([, , pair]) => pair),
    );
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

  async saveHorse(
    horse: HorseRecord,
    sourceId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await this.saveHorses([horse], sourceId, manager);
  }

  async saveJockey(
    jockey: JockeyRecord,
    sourceId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await this.saveJockeys([jockey], sourceId, manager);
  }

  async saveTrainer(
    trainer: TrainerRecord,
    sourceId: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<void> {
    await this.saveTrainers([trainer], sourceId, manager);
  }

  /** {@link saveHorse} for several horses from one response, in one statement. */
  async saveHorses(
    horses: HorseRecord[],
    sourceId: string,
    manager: EntityManager = this.dataSource.manager,
    keepStored: readonly string[] = [],
  ): Promise<void> {
    await this.upsertDetails(
      manager,
      'horses',
      'hr_no',
      horses.map((horse) => ({
        hr_no: horse.id,
        name: horse.name,
        meet: horse.meet,
        sex: horse.sex,
        birth_date: horse.birthDate,
        origin: horse.origin,
        sire_no: horse.sire.id,
        sire_name: horse.sire.name,
        dam_no: horse.dam.id,
        dam_name: horse.dam.name,
        ow_no: horse.owner.id,
        tr_no: horse.trainer.id,
        race_class: horse.raceClass,
        rating: horse.rating,
        total_prize: horse.totalPrize,
        career: { career: horse.career, thisYear: horse.thisYear },
        source_id: sourceId,
      })),
      keepStored,
    );
  }

  /** {@link saveJockey} for several jockeys from one response, in one statement. */
  async saveJockeys(
    jockeys: JockeyRecord[],
    sourceId: string,
    manager: EntityManager = this.dataSource.manager,
    keepStored: readonly string[] = [],
  ): Promise<void> {
    await this.upsertDetails(
      manager,
      'jockeys',
      'jk_no',
      jockeys.map((jockey) => ({
        jk_no: jockey.id,
        name: jockey.name,
        meet: jockey.meet,
        birth_date: jockey.birthDate,
        debut_date: jockey.debutDate,
        affiliation: jockey.affiliation,
        weight_kg: jockey.weightKg,
        career: { career: jockey.career, thisYear: jockey.thisYear },
        source_id: sourceId,
      })),
      keepStored,
    );
  }

  /** {@link saveTrainer} for several trainers from one response, in one statement. */
  async saveTrainers(
    trainers: TrainerRecord[],
    sourceId: string,
    manager: EntityManager = this.dataSource.manager,
    keepStored: readonly string[] = [],
  ): Promise<void> {
    await this.upsertDetails(
      manager,
      'trainers',
      'tr_no',
      trainers.map((trainer) => ({
        tr_no: trainer.id,
        name: trainer.name,
        meet: trainer.meet,
        birth_date: trainer.birthDate,
        licensed_since: trainer.licensedSince,
        stable: trainer.stable,
        career: {
          career: trainer.career,
          thisYear: trainer.thisYear,
          winRatePercent: trainer.winRatePercent,
          placeRatePercent: trainer.placeRatePercent,
        },
        source_id: sourceId,
      })),
      keepStored,
    );
  }

  /**
   * Upserts detail rows (column → value, the key column first), one per id (the last given wins), in
   * id order so that concurrent writers lock shared rows in the same order. A row changes only when a
   * value does: another response with the same values leaves it, and its source, as they are. Rows
   * that already hold these values are left out before the upsert, which would lock them even unchanged.
   * Columns in `keepStored` keep their stored value where a row leaves them null (a source that does
   * not carry them, such as the old scripts' compact details).
   */
  private async upsertDetails(
    manager: EntityManager,
    table: string,
    key: string,
    rows: Record<string, unknown>[],
    keepStored: readonly string[] = [],
  ): Promise<void> {
    const byId = new Map<string, Record<string, unknown>>();
    for (const row of rows) if (typeof row[key] === 'string' && row[key] !== '') byId.set(row[key], row);
    if (byId.size === 0) return;
    const ordered = [...byId.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
    const columns = Object.keys(ordered[0]).filter((column) => column !== key);
    const compared = columns.filter((column) => column !== 'source_id');
    const list = (prefix: string, names = compared): string => names.map((column) => `${prefix}.${column}`).join(', ');
    const incoming = (column: string): string =>
      keepStored.includes(column) ? `COALESCE(EXCLUDED.${column}, t.${column})` : `EXCLUDED.${column}`;
    await manager.query(
      `INSERT INTO ${table} AS t (${key}, ${columns.join(', ')}, details_at)
       SELECT v.${key}, ${list('v', columns)}, now() FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb) AS v
        WHERE NOT EXISTS (SELECT 1 FROM ${table} c WHERE c.${key} = v.${key} AND c.details_at IS NOT NULL AND (${list('c')}) IS NOT DISTINCT FROM (${list('v')}))
       ON CONFLICT (${key}) DO UPDATE SET ${columns.map((column) => `${column} = ${incoming(column)}`).join(', ')},
         details_at = now(), updated_at = now()
       WHERE (${list('t')}) IS DISTINCT FROM (${compared.map(incoming).join(', ')}) OR t.details_at IS NULL`,
      [JSON.stringify(ordered)],
    );
  }

  /** Results of one race: body weights and scratches on the entries, positions and odds in results. */
  async saveResults(
    manager: EntityManager,
    raceId: string,
    rows: RaceResultRecord[],
    sourceId: string,
  ): Promise<number> {
    let saved = 0;
    for (const row of [...rows].sort((a, b) => (a.gateNo ?? 0) - (b.gateNo ?? 0))) {
      const [entry] = await manager.query<{ id: string }[]>(
        `UPDATE entries e SET body_weight_kg = $3, body_weight_change = $4,
           scratched = e.scratched OR $5, updated_at = now()
         WHERE e.race_id = $1 AND e.gate_no = $2
           AND (e.body_weight_kg, e.body_weight_change, e.scratched) IS DISTINCT FROM ($3::numeric, $4::numeric, e.scratched OR $5)
         RETURNING id`,
        [raceId, row.gateNo, row.bodyWeightKg, row.bodyWeightChange, row.finishStatus === 'scratched'],
      );
      const entryId =
        entry?.id ??
        (
          await manager.query<{ id: string }[]>('SELECT id FROM entries WHERE race_id = $1 AND gate_no = $2', [
            raceId,
            row.gateNo,
          ])
        )[0]?.id;
      if (!entryId) continue;
      await manager.query(
        `INSERT INTO results AS r (entry_id, finish_position, finish_status, race_time_s, margin, note, win_odds, place_odds, sectionals, source_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (entry_id) DO UPDATE SET finish_position = EXCLUDED.finish_position, finish_status = EXCLUDED.finish_status,
           race_time_s = EXCLUDED.race_time_s, margin = EXCLUDED.margin, note = EXCLUDED.note, win_odds = EXCLUDED.win_odds,
           place_odds = EXCLUDED.place_odds, sectionals = EXCLUDED.sectionals, source_id = EXCLUDED.source_id, collected_at = now()
         WHERE (r.finish_position, r.finish_status, r.race_time_s, r.margin, r.note, r.win_odds, r.place_odds, r.sectionals, r.source_id)
               IS DISTINCT FROM (EXCLUDED.finish_position, EXCLUDED.finish_status, EXCLUDED.race_time_s, EXCLUDED.margin, EXCLUDED.note,
                                 EXCLUDED.win_odds, EXCLUDED.place_odds, EXCLUDED.sectionals, EXCLUDED.source_id)`,
        [
          entryId,
          row.finishPosition,
          row.finishStatus,
          row.raceTimeSeconds,
          row.margin,
          row.note,
          row.winOdds,
          row.placeOdds,
          JSON.stringify(row.sectionals),
          sourceId,
        ],
      );
      saved += 1;
    }
    return saved;
  }

  async saveDividends(
    manager: EntityManager,
    raceId: string,
    dividends: DividendRecord[],
    sourceId: string,
  ): Promise<number> {
    const valid = dividends.filter((dividend) => dividend.pool && dividend.combination.length > 0);
    for (const dividend of valid) {
      await manager.query(
        `INSERT INTO dividends AS d (race_id, pool, combination, payout, no_payout, source_id) VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (race_id, pool, combination) DO UPDATE SET payout = EXCLUDED.payout, no_payout = EXCLUDED.no_payout,
           source_id = EXCLUDED.source_id, collected_at = now()
         WHERE (d.payout, d.no_payout, d.source_id) IS DISTINCT FROM (EXCLUDED.payout, EXCLUDED.no_payout, EXCLUDED.source_id)`,
        [raceId, dividend.pool, dividend.combination.join('-'), dividend.payout, dividend.noPayout, sourceId],
      );
    }
    return valid.length;
  }

  async markScratched(manager: EntityManager, raceId: string, gateNo: number, reason: string | null): Promise<void> {
    await manager.query(
      `UPDATE entries SET scratched = true, scratch_reason = COALESCE($3, scratch_reason), updated_at = now()
       WHERE race_id = $1 AND gate_no = $2 AND (scratched, scratch_reason) IS DISTINCT FROM (true, COALESCE($3, scratch_reason))`,
      [raceId, gateNo, reason],
    );
  }

  /** The race's observed conditions and final status, once its results are in. */
  async finishRace(
    manager: EntityManager,
    raceId: string,
    outcome: {
      status: 'finished' | 'cancelled' | 'void';
      weather: string | null;
      going: string | null;
      moisturePercent: number | null;
      dividends: boolean;
    },
  ): Promise<void> {
    await manager.query(
      `UPDATE races r SET status = $2, weather = COALESCE($3, weather), going = COALESCE($4, going),
         moisture_percent = COALESCE($5, moisture_percent),
         results_collected_at = COALESCE(results_collected_at, now()),
         dividends_collected_at = CASE WHEN $6 THEN COALESCE(dividends_collected_at, now()) ELSE dividends_collected_at END,
         updated_at = now()
       WHERE id = $1 AND (status, weather, going, moisture_percent, results_collected_at IS NULL, dividends_collected_at IS NULL AND $6)
             IS DISTINCT FROM ($2, COALESCE($3, weather), COALESCE($4, going), COALESCE($5::numeric, moisture_percent), false, false)`,
      [raceId, outcome.status, outcome.weather, outcome.going, outcome.moisturePercent, outcome.dividends],
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

/** What `saveResponse` stores and the hash it is stored under: one per service, parameters and body. */
export function responseHash(
  service: string,
  params: Record<string, string>,
  raw: readonly unknown[],
): { body: string; hash: string } {
  const body = JSON.stringify(raw);
  return {
    body,
    hash: createHash('sha256')
      .update(`${service}\n${JSON.stringify(params)}\n${body}`)
      .digest('hex'),
  };
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
