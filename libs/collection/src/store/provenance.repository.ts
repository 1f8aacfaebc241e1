import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';

/**
 * Provenance: every upstream answer kept once (by content hash), and which answer a day's races
 * came from, so the data can be rebuilt without the API.
 */
@Injectable()
export class ProvenanceRepository {
  constructor(private readonly dataSource: DataSource) {}

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
