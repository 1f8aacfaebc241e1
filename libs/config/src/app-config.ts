import { CronTime, validateCronExpression } from 'cron';
import { EnvReader } from './env-reader';

import type { ApiScope } from '@app/common';

// The scopes are common's (routes declare them); the settings name them too.
export { API_SCOPES, type ApiScope } from '@app/common';

/** Every setting of the product, read once at boot. `.env.example` documents each variable. */
export interface AppConfig {
  env: 'development' | 'production' | 'test';
  http: {
    host: string;
    port: number;
    bodyLimitBytes: number;
    corsOrigins: string[];
    trustProxy: boolean;
    /** Browsers reach the API over HTTPS (TLS at a proxy): pages tell them to fetch their assets over https too. */
    servedOverHttps: boolean;
    shutdownGraceMs: number;
    swaggerEnabled: boolean;
  };
  log: { level: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent' };
  database: {
    url: string;
    poolSize: number;
    runMigrations: boolean;
    createIfMissing: boolean;
    /** Longest a statement may run (0: no limit); also bounds a query to a database that hangs. */
    statementTimeoutMs: number;
    /** Longest wait for a connection: to connect, or for a free one in the pool. */
    connectTimeoutMs: number;
  };
  redis: { url: string; keyPrefix: string };
  auth: { adminApiKey?: string; keyCacheTtlMs: number };
  rateLimit: { windowSeconds: number; limits: Record<ApiScope | 'public', number> };
  health: { timeoutMs: number };
  metrics: { token?: string };
  worker: { port: number };
  jobs: {
    /** Run the collection job processor inside the API process too (the worker always runs it). */
    runInApi: boolean;
    /** BullMQ attempts per job: the first run plus retries of transient failures. */
    attempts: number;
    /** Jobs one process runs at once. */
    concurrency: number;
    /** First retry delay of a job; doubles per retry. */
    backoffMs: number;
    /** How long a processor's claim on a running job lasts without renewal: after a crash, the job is free again this much later. */
    lockMs: number;
    /** How often a processor looks for jobs whose claim lapsed (their processor died) and puts them back. */
    stalledIntervalMs: number;
    /** Lapsed claims a job survives; one more and it fails (a job that keeps killing its processor). */
    maxStalled: number;
    /** How often a processor repairs jobs whose queue entry is gone (a Redis restart without persistence). */
    reconcileIntervalMs: number;
    /** How long a job waits for an unavailable database (without spending attempts) before it fails as usual. */
    databaseWaitMs: number;
  };
  /** The worker's collection schedule; every cron is read in Asia/Seoul (KST). */
  schedule: {
    enabled: boolean;
    /** Meets (1 Seoul, 2 Jeju, 3 Busan) the schedule collects. */
    meets: number[];
    /** Entries (collect-day) for the coming race days. */
    entriesCron: string;
    /** Results of today's races. */
    resultsCron: string;
    /** Results of yesterday's races, again, once they are final. */
    catchupCron: string;
  };
  kra: {
    /** Unset: the product runs on the KRA sandbox (in-process, or at KRA_BASE_URL when that is set). */
    serviceKey?: string;
    baseUrl?: string;
    timeoutMs: number;
    maxRetries: number;
    retryBaseMs: number;
    retryMaxMs: number;
    concurrency: number;
    requestsPerSecond: number;
    pageSize: number;
    dailyQuota: number;
    masterCacheTtlSeconds: number;
    sandboxSeed: string;
    /** The in-process sandbox's world (KRA_SANDBOX_WORLD). */
    sandboxWorld: 'history' | 'classic';
    /** The first day the history world simulates (KRA_SANDBOX_WORLD_START, YYYY-MM-DD). */
    sandboxWorldStart: string;
  };
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const read = new EnvReader(env);
  const config: AppConfig = {
    env: read.oneOf('NODE_ENV', 'development', ['development', 'production', 'test']),
    http: {
      host: read.string('HOST', '0.0.0.0'),
      port: read.int('PORT', 3000, 1, 65535),
      bodyLimitBytes: read.int('BODY_LIMIT_BYTES', 1_048_576, 1024, 100 * 1_048_576),
      corsOrigins: read.list('CORS_ORIGINS', []),
      trustProxy: read.bool('TRUST_PROXY', false),
      servedOverHttps: read.bool('SERVED_OVER_HTTPS', false),
      shutdownGraceMs: read.int('SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
      swaggerEnabled: read.bool('SWAGGER_ENABLED', true),
    },
    log: { level: read.oneOf('LOG_LEVEL', 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']) },
    database: {
      url: read.url('DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/kra', ['postgres:', 'postgresql:']),
      poolSize: read.int('DATABASE_POOL_SIZE', 10, 1, 200),
      runMigrations: read.bool('DATABASE_RUN_MIGRATIONS', true),
      createIfMissing: read.bool('DATABASE_CREATE_IF_MISSING', true),
      statementTimeoutMs: read.int('DATABASE_STATEMENT_TIMEOUT_MS', 10_000, 0, 3_600_000),
      connectTimeoutMs: read.int('DATABASE_CONNECT_TIMEOUT_MS', 3_000, 100, 120_000),
    },
    redis: {
      url: read.url('REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
      keyPrefix: read.string('REDIS_KEY_PREFIX', 'kra:'),
    },
    auth: {
      adminApiKey: read.secret('ADMIN_API_KEY', 24),
      keyCacheTtlMs: read.int('API_KEY_CACHE_TTL_MS', 5_000, 0, 300_000),
    },
    rateLimit: {
      windowSeconds: read.int('RATE_LIMIT_WINDOW_SECONDS', 60, 1, 86_400),
      limits: {
        public: read.int('RATE_LIMIT_PUBLIC', 60, 1, 10_000_000),
        read: read.int('RATE_LIMIT_READ', 600, 1, 10_000_000),
        collect: read.int('RATE_LIMIT_COLLECT', 60, 1, 10_000_000),
        admin: read.int('RATE_LIMIT_ADMIN', 120, 1, 10_000_000),
      },
    },
    health: { timeoutMs: read.int('HEALTH_CHECK_TIMEOUT_MS', 1_500, 50, 60_000) },
    metrics: { token: read.secret('METRICS_TOKEN', 16) },
    worker: { port: read.int('WORKER_PORT', 3001, 1, 65535) },
    jobs: {
      runInApi: read.bool('JOBS_RUN_IN_API', true),
      attempts: read.int('JOBS_ATTEMPTS', 3, 1, 20),
      concurrency: read.int('JOBS_CONCURRENCY', 1, 1, 50),
      backoffMs: read.int('JOBS_BACKOFF_MS', 10_000, 0, 3_600_000),
      lockMs: read.int('JOBS_LOCK_MS', 30_000, 1_000, 3_600_000),
      stalledIntervalMs: read.int('JOBS_STALLED_INTERVAL_MS', 30_000, 500, 3_600_000),
      maxStalled: read.int('JOBS_MAX_STALLED', 2, 0, 100),
      reconcileIntervalMs: read.int('JOBS_RECONCILE_INTERVAL_MS', 60_000, 500, 86_400_000),
      databaseWaitMs: read.int('JOBS_DATABASE_WAIT_MS', 600_000, 0, 86_400_000),
    },
    schedule: {
      enabled: read.bool('SCHEDULE_ENABLED', true),
      meets: readMeets(read),
      entriesCron: readCron(read, 'SCHEDULE_ENTRIES_CRON', '0 15 * * 3,4,5'),
      resultsCron: readCron(read, 'SCHEDULE_RESULTS_CRON', '30 19 * * 5,6,0'),
      catchupCron: readCron(read, 'SCHEDULE_CATCHUP_CRON', '0 8 * * 6,0,1'),
    },
    kra: {
      serviceKey: read.secret('KRA_SERVICE_KEY', 10),
      baseUrl: read.optionalUrl('KRA_BASE_URL', ['http:', 'https:']),
      timeoutMs: read.int('KRA_TIMEOUT_MS', 10_000, 100, 120_000),
      maxRetries: read.int('KRA_MAX_RETRIES', 3, 0, 10),
      retryBaseMs: read.int('KRA_RETRY_BASE_MS', 500, 0, 60_000),
      retryMaxMs: read.int('KRA_RETRY_MAX_MS', 10_000, 0, 300_000),
      concurrency: read.int('KRA_CONCURRENCY', 4, 1, 100),
      requestsPerSecond: read.int('KRA_REQUESTS_PER_SECOND', 20, 1, 1_000),
      pageSize: read.int('KRA_PAGE_SIZE', 1_000, 10, 100_000),
      dailyQuota: read.int('KRA_DAILY_QUOTA', 10_000, 1, 10_000_000),
      masterCacheTtlSeconds: read.int('KRA_MASTER_CACHE_TTL_SECONDS', 86_400, 0, 30 * 86_400),
      sandboxSeed: read.string('KRA_SANDBOX_SEED', 'kra-sandbox'),
      sandboxWorld: read.oneOf('KRA_SANDBOX_WORLD', 'history', ['history', 'classic']),
      sandboxWorldStart: read.date('KRA_SANDBOX_WORLD_START', '2022-01-01', '2000-01-01', '2027-06-30'),
    },
  };
  if (read.problems.length > 0) throw new ConfigValidationError(read.problems);
  return config;
}

/** Time zone of every schedule cron: race days and their times are Korean. */
export const SCHEDULE_TIME_ZONE = 'Asia/Seoul';

/** A cron expression (5 fields, or 6 with seconds), checked at boot so a typo cannot silently never fire. */
function readCron(read: EnvReader, name: string, fallback: string): string {
  const value = read.string(name, fallback);
  try {
    // cron also takes presets such as @daily; the documented forms are 5 or 6 fields.
    if (![5, 6].includes(value.split(/\s+/).length)) throw new Error('wrong field count');
    if (!validateCronExpression(value).valid) throw new Error('bad field');
    // A valid expression may still never match (30 February): sendAt throws when no date comes within 8 years.
    new CronTime(value, SCHEDULE_TIME_ZONE).sendAt();
  } catch {
    read.problems.push(
      `${name}: must be a cron expression (minute hour day-of-month month day-of-week, optionally seconds first)`,
    );
    return fallback;
  }
  return value;
}

function readMeets(read: EnvReader): number[] {
  const meets = read.list('SCHEDULE_MEETS', ['1', '2', '3']);
  if (meets.length === 0 || !meets.every((meet) => ['1', '2', '3'].includes(meet))) {
    read.problems.push('SCHEDULE_MEETS: must be a comma-separated list of meets 1, 2 and 3');
    return [1, 2, 3];
  }
  return [...new Set(meets.map(Number))].sort((a, b) => a - b);
}

/** For process entry points: a bad configuration prints one message and exits 1, no stack trace. */
export function loadConfigOrExit(env: NodeJS.ProcessEnv = process.env): AppConfig {
  try {
    return loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}
