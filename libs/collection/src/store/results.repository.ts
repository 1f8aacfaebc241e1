import type { DividendRecord, RaceResultRecord } from '@app/kra-client';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Results and dividends, scratches and how a race ended: what is known after the off. Every write is an upsert on a natural key,
 * and an update only happens when a value actually changed (`IS DISTINCT FROM`), so re-running a
 * collection leaves every row, timestamps included, as it was.
 */
@Injectable()
export class ResultsRepository {
  constructor(private readonly dataSource: DataSource) {}

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
}
