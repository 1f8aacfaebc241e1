import { CollectionService, RaceData } from '@app/collection';
import { dataSourceOptions, runMigrationsLocked } from '@app/database';
import { createKraSandbox, KraSandbox } from '@app/kra-sandbox';
import { addDays, meetsRacingOn } from '@app/calendar';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { inject } from 'vitest';
import { POSTGRES_URL, testConfig, TestDatabase, TestRedisPrefix } from './infra';
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
  return openSeason(redis, database, { migrate: true });
}

async function openSeason(
  redis: TestRedisPrefix,
  database: TestDatabase,
  options = { migrate: false },
): Promise<Season> {
  const dataSource = await new DataSource(
    dataSourceOptions(testConfig(database, redis).database, 'season-test'),
  ).initialize();
  if (options.migrate) await runMigrationsLocked(dataSource);
  const days = await dataSource.query<{ day: string }[]>(
    `SELECT DISTINCT to_char(race_date, 'YYYY-MM-DD') AS day FROM races ORDER BY 1`,
  );
  return {
    database,
    dataSource,
    days: days.map(({ day }) => day),
    close: async () => {
      await dataSource.destroy();
      await database.drop();
    },
  };
}

/**
 * A season built once per test run and shared: the first test file that asks builds it into a
 * template database (under an advisory lock: a second file waits for it), and every file gets a
 * copy of its own to change as it likes. The run's global setup drops the templates.
 */
export async function sharedSeason(
  name: string,
  redis: TestRedisPrefix,
  build: (season: Season) => Promise<void>,
): Promise<Season> {
  const template = `kra_tpl_${name}_${inject('testRunId')}`;
  const lock = new Client({ connectionString: `${POSTGRES_URL}/postgres` });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(hashtext($1))', [template]);
    const { rows } = await lock.query('SELECT 1 FROM pg_database WHERE datname = $1', [template]);
    if (rows.length === 0) {
      const season = await emptySeason(redis, new TestDatabase(template));
      try {
        await build(season);
      } catch (error) {
        await season.close();
        throw error;
      }
      // A template is copied only while nobody is connected to it.
      await season.dataSource.destroy();
    }
    return await openSeason(redis, await new TestDatabase().create(template));
  } finally {
    await lock.end();
  }
}

/** The analysis tests' season: Seoul and Busan from 1 January to 23 May 2025, collected as it happened. */
export const ANALYSIS_SEASON = { from: '2025-01-01', to: '2025-05-23', meets: [1, 3] };

/** A copy of the analysis tests' season (see {@link ANALYSIS_SEASON}), built once per test run. */
export function analysisSeason(redis: TestRedisPrefix): Promise<Season> {
  return sharedSeason('analysis', redis, async (season) => {
    const clock = { now: new Date(`${ANALYSIS_SEASON.from}T00:00:00+09:00`) };
    const sandbox = await createKraSandbox({ now: () => clock.now });
    await sandbox.listen();
    try {
      await collectAsItHappened(sandbox, clock, season, ANALYSIS_SEASON);
    } finally {
      await sandbox.close();
    }
  });
}
