import type { EntryRecord, HorseRecord, JockeyRecord, TrainerRecord } from '@app/kra-client';
import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';

/** How a response's details are written. */
export interface DetailWriteOptions {
  /** Columns that keep their stored value where the response leaves them null. */
  keepStored?: readonly string[];
  /** The instant the figures hold as of (default: now, for figures just fetched). */
  asOf?: Date;
}

/**
 * People and master data: horses, jockeys, trainers and owners, their names from the cards and
 * their details from the lookups. Every write is an upsert on a natural key,
 * and an update only happens when a value actually changed (`IS DISTINCT FROM`), so re-running a
 * collection leaves every row, timestamps included, as it was.
 */
@Injectable()
export class PeopleRepository {
  constructor(private readonly dataSource: DataSource) {}

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

  /** Horses' details (pedigree, owner, trainer, rating, career) from one response, in one statement. */
  async saveHorses(
    horses: HorseRecord[],
    sourceId: string,
    manager: EntityManager = this.dataSource.manager,
    options: DetailWriteOptions = {},
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
      options,
    );
  }

  /** Jockeys' details from one response, in one statement. */
  async saveJockeys(
    jockeys: JockeyRecord[],
    sourceId: string,
    manager: EntityManager = this.dataSource.manager,
    options: DetailWriteOptions = {},
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
      options,
    );
  }

  /** Trainers' details from one response, in one statement. */
  async saveTrainers(
    trainers: TrainerRecord[],
    sourceId: string,
    manager: EntityManager = this.dataSource.manager,
    options: DetailWriteOptions = {},
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
      options,
    );
  }

  /**
   * Upserts detail rows (column → value, the key column first), one per id (the last given wins), in
   * id order so that concurrent writers lock shared rows in the same order. A row changes only when a
   * value does: another response with the same values leaves it, and its source, as they are. Rows
   * that already hold these values are left out before the upsert, which would lock them even unchanged.
   * Columns in `keepStored` keep their stored value where a row leaves them null (a source that does
   * not carry them, such as the old scripts' compact details). `details_at` is the instant the figures
   * hold as of (`asOf`, now by default): figures older than the stored ones never replace them, so
   * files imported in any order, or after a collection, leave the newest.
   */
  private async upsertDetails(
    manager: EntityManager,
    table: string,
    key: string,
    rows: Record<string, unknown>[],
    { keepStored = [], asOf }: DetailWriteOptions,
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
       SELECT v.${key}, ${list('v', columns)}, COALESCE($2::timestamptz, now()) FROM jsonb_populate_recordset(NULL::${table}, $1::jsonb) AS v
        WHERE NOT EXISTS (SELECT 1 FROM ${table} c WHERE c.${key} = v.${key} AND c.details_at IS NOT NULL AND (${list('c')}) IS NOT DISTINCT FROM (${list('v')}))
       ON CONFLICT (${key}) DO UPDATE SET ${columns.map((column) => `${column} = ${incoming(column)}`).join(', ')},
         details_at = EXCLUDED.details_at, updated_at = now()
       WHERE ((${list('t')}) IS DISTINCT FROM (${compared.map(incoming).join(', ')}) OR t.details_at IS NULL)
         AND (t.details_at IS NULL OR EXCLUDED.details_at >= t.details_at)`,
      [JSON.stringify(ordered), asOf ?? null],
    );
  }
}
