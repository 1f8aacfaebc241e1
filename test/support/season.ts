import { CollectionService, RaceData } from '@app/collection';
import { dataSourceOptions, runMigrationsLocked } from '@app/database';
import { KraSandbox } from '@app/kra-sandbox';
import { addDays, meetsRacingOn } from '@app/calendar';
import { DataSource } from 'typeorm';
import { testConfig, TestDatabase, TestRedisPrefix } from './infra';
import { kraClient } from './kra';

export interface SeasonRange {
  from: string;
  to: string;
  meets: number[];
  /** Horse, jockey and trainer details with the pre-race snapshot (default false: cards only). */
  details?: boolean;
  /** Results too (default true). */
  results?: boolean;
}

export interface Season {
  database: TestDatabase;
  dataSource: DataSource;
  /** Race days collected, YYYY-MM-DD, in order. */
  days: string[];
  close(): Promise<void>;
}

/** YYYY-MM-DD ↔ YYYYMMDD. */
export const dashed = (date: string): string => `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;
export const compact = (date: string): string => date.replaceAll('-', '');

/**
 * Collects race days from..to (YYYY-MM-DD) of `meets` from a sandbox through the real client and
 * collector, cards, details and results, into a database of its own.
 */
export async function collectSeason(
  sandbox: KraSandbox,
  redis: TestRedisPrefix,
  range: SeasonRange,
  database = new TestDatabase(),
): Promise<Season> {
  const season = await emptySeason(redis, database);
  await collectMore(sandbox, season, range);
  return season;
}

/** Collects more race days into a season's database, with the same collector path. */
export async function collectMore(sandbox: KraSandbox, season: Season, range: SeasonRange): Promise<void> {
  const client = await kraClient(sandbox.url, 'sandbox-service-key');
  try {
    await collectDays(new CollectionService(client.client, new RaceData(season.dataSource)), season, range);
  } finally {
    await client.close();
  }
}

async function collectDays(collector: CollectionService, season: Season, range: SeasonRange): Promise<void> {
  for (let day = compact(range.from); day <= compact(range.to); day = addDays(day, 1)) {
    const meets = meetsRacingOn(day).filter((meet) => range.meets.includes(meet));
    for (const meet of meets) {
      const report = await collector.collectDay({
        date: dashed(day),
        meet,
        details: range.details ?? false,
        results: range.results ?? true,
      });
      if (report.failures.length > 0) throw new Error(`${day} meet ${meet}: ${JSON.stringify(report.failures)}`);
    }
    if (meets.length > 0 && !season.days.includes(dashed(day))) season.days.push(dashed(day));
  }
}

/**
 * Collects race days as they happened: each day's cards and details at 07:00 KST (before its first
 * race; the pre-race snapshot), its results at 23:00, with the sandbox's clock and the collector's
 * on that instant, and no master cache (each day's details are that day's).
 */
export async function collectAsItHappened(
  sandbox: KraSandbox,
  clock: { now: Date },
  season: Season,
  range: { from: string; to: string; meets: number[] },
): Promise<void> {
  const client = await kraClient(sandbox.url, 'sandbox-service-key', { masterCacheTtlSeconds: 0 });
  try {
    const collector = new CollectionService(client.client, new RaceData(season.dataSource), undefined, () => clock.now);
    for (let day = compact(range.from); day <= compact(range.to); day = addDays(day, 1)) {
      const meets = meetsRacingOn(day).filter((meet) => range.meets.includes(meet));
      if (meets.length === 0) continue;
      for (const [hhmm, step] of [
        ['07:00', { details: true, results: false }],
        ['23:00', { details: false, results: true }],
      ] as const) {
        clock.now = new Date(`${dashed(day)}T${hhmm}:00+09:00`);
        for (const meet of meets) {
          const report = await collector.collectDay({ date: dashed(day), meet, ...step });
          if (report.failures.length > 0) throw new Error(`${day} meet ${meet}: ${JSON.stringify(report.failures[0])}`);
        }
      }
      if (!season.days.includes(dashed(day))) season.days.push(dashed(day));
    }
  } finally {
    await client.close();
  }
}

/** An empty database with the migrations run, as a season to collect into. */
export async function emptySeason(redis: TestRedisPrefix, database = new TestDatabase()): Promise<Season> {
  await database.create();
  const dataSource = await new DataSource(
    dataSourceOptions(testConfig(database, redis).database, 'season-test'),
  ).initialize();
  await runMigrationsLocked(dataSource);
  return {
    database,
    dataSource,
    days: [],
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}
