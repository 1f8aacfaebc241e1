import { AppConfig, loadConfig } from '@app/config';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Passed as ADMIN_API_KEY to every app a test starts. */
export const ADMIN_KEY = 'kra_test-admin-key-0123456789abcdef';

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

/** A database of its own for one test file, dropped at the end; nothing depends on leftovers. */
export class TestDatabase {
  readonly url: string;

  constructor(readonly name = uniqueName('kra_test')) {
    this.url = `${POSTGRES_URL}/${name}`;
  }

  /** Created empty, or as a copy of a template database (which nobody may be connected to). */
  async create(template?: string): Promise<this> {
    await withAdminClient((client) =>
      client.query(`CREATE DATABASE "${this.name}"${template ? ` TEMPLATE "${template}"` : ''}`),
    );
    return this;
  }

  async query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
    const client = new Client({ connectionString: this.url });
    await client.connect();
    try {
      return (await client.query(sql, params)).rows as T[];
    } finally {
      await client.end();
    }
  }

  async drop(): Promise<void> {
    await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS "${this.name}" WITH (FORCE)`));
  }
}

export async function withAdminClient(work: (client: Client) => Promise<unknown>): Promise<void> {
  const client = new Client({ connectionString: `${POSTGRES_URL}/postgres` });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

/** A Redis key prefix of its own for one test file; its keys are deleted at the end. */
export class TestRedisPrefix {
  readonly prefix = `${uniqueName('test')}:`;

  async clear(): Promise<void> {
    const redis = new Redis(REDIS_URL, { lazyConnect: true });
    await redis.connect();
    try {
      const keys = await redis.keys(`${this.prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  }
}

/** The environment a test app runs with: production defaults, the test's own database and prefix. */
export function testEnv(
  database: TestDatabase,
  redis: TestRedisPrefix,
  overrides: Record<string, string> = {},
): Record<string, string> {
  return {
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: redis.prefix,
    ADMIN_API_KEY: ADMIN_KEY,
    // No real-clock cron firing in the middle of a test; the schedule's own tests turn it on.
    SCHEDULE_ENABLED: 'false',
    ...overrides,
  };
}

export function testConfig(
  database: TestDatabase,
  redis: TestRedisPrefix,
  overrides: Record<string, string> = {},
): AppConfig {
  return loadConfig(testEnv(database, redis, overrides));
}

/** A TCP port on which nothing listens: the way tests simulate a dependency that is down. */
export const CLOSED_PORT = 1;
