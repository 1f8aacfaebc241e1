import { JOB_QUEUE_NAME, JobReconciler } from '@app/jobs';
import { createKraSandbox, KraSandbox } from '@app/kra-sandbox';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApi, startApi } from './support/api';
import { ADMIN_KEY, testConfig, TestDatabase, TestRedisPrefix } from './support/infra';
import { JobsApi } from './support/jobs-api';
import { sleep, waitUntil } from './support/processes';
import { TcpProxy } from './support/tcp-proxy';

interface Job {
  id: string;
  status: string;
  attempts: number;
  errorCode: string | null;
  events: { message: string }[];
}

/**
 * The API (running jobs too) with PostgreSQL behind a proxy the test takes away (down) or freezes
 * (hang), for one describe block: its hooks are registered here.
 */
function apiBehindProxy(overrides: Record<string, string>): {
  proxy: TcpProxy;
  database: TestDatabase;
  api: () => RunningApi;
  queue: () => Queue;
} {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  const proxy = new TcpProxy(5432);
  let sandbox: KraSandbox;
  let api: RunningApi;

  beforeAll(async () => {
    await database.create();
    await proxy.up();
    sandbox = await createKraSandbox();
    await sandbox.listen();
    api = await startApi(
      testConfig(database, redis, {
        DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/${database.name}`,
        DATABASE_STATEMENT_TIMEOUT_MS: '1000',
        DATABASE_CONNECT_TIMEOUT_MS: '500',
        KRA_BASE_URL: sandbox.url,
        KRA_REQUESTS_PER_SECOND: '1000',
        JOBS_RUN_IN_API: 'true',
        JOBS_ATTEMPTS: '2',
        JOBS_BACKOFF_MS: '100',
        JOBS_RECONCILE_INTERVAL_MS: '86400000',
        ...overrides,
      }),
    );
  });

  afterAll(async () => {
    await proxy.up();
    await api?.close();
    await sandbox?.close();
    await proxy.close();
    await database.drop();
    await redis.clear();
  });

  return { proxy, database, api: () => api, queue: () => api.app.get<Queue>(getQueueToken(JOB_QUEUE_NAME)) };
}

describe('PostgreSQL outage', () => {
  const { proxy, api: running, queue: jobQueue } = apiBehindProxy({ JOBS_DATABASE_WAIT_MS: '120000' });
  const jobsApi = new JobsApi<Job>(() => running().baseUrl);
  const read = (): Promise<Response> =>
    fetch(`${running().baseUrl}/api/v2/races?from=2025-05-01&to=2025-05-31`, { headers: { 'x-api-key': ADMIN_KEY } });
  let queue: Queue;
  beforeAll(() => {
    queue = jobQueue();
  });

  it('should answer reads with 503 and Retry-After while the database is down, and 200 once it is back', async () => {
    expect((await read()).status).toBe(200);
    await proxy.down();
    try {
      const response = await read();
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toMatchObject({
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The database is unavailable; try again shortly',
        requestId: expect.any(String),
      });
    } finally {
      await proxy.up();
    }
    expect((await read()).status).toBe(200);
  });

  it('should answer 503 instead of holding the request when the database hangs (statement and connect timeouts)', async () => {
    await proxy.hang();
    try {
      const response = await read();
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
    } finally {
      await proxy.up();
    }
    expect((await read()).status).toBe(200);
  });

  it('should let a job wait for the database instead of spending its attempts, and count its attempts truly', async () => {
    await queue.pause();
    const id = await jobsApi.submit('/collection/races', { date: '2025-05-23', meet: 3, include: [] });
    await proxy.down();
    try {
      await queue.resume();
      // Several rounds of "database unavailable": with JOBS_ATTEMPTS 2 they would have failed the job.
      await sleep(5_000);
      const entry = await queue.getJob(id);
      expect(entry?.attemptsMade).toBe(0);
      expect(await entry?.getState()).toMatch(/^(delayed|active|waiting)$/);
    } finally {
      await proxy.up();
    }
    const { final } = await jobsApi.settle(id, (job) => job.status, { timeoutMs: 30_000 });
    expect(final).toMatchObject({ status: 'succeeded', attempts: 1, errorCode: null });
    const messages = final.events.map((event) => event.message);
    expect(messages.filter((message) => /^attempt \d+ started$/.test(message))).toEqual(['attempt 1 started']);
    expect(messages.filter((message) => /failed|retrying/.test(message))).toEqual([]);
  });
});

describe('PostgreSQL outage longer than a job may wait', () => {
  // No waiting: every run the database refuses spends an attempt.
  const { proxy, database, api: running, queue: jobQueue } = apiBehindProxy({ JOBS_DATABASE_WAIT_MS: '0' });
  const jobsApi = new JobsApi<Job>(() => running().baseUrl);
  let api: RunningApi;
  let queue: Queue;
  beforeAll(() => {
    api = running();
    queue = jobQueue();
  });

  it('should fail the job once its attempts are spent, and record every attempt the queue made', async () => {
    await queue.pause();
    const id = await jobsApi.submit('/collection/races', { date: '2025-05-23', meet: 3, include: [] });
    await proxy.down();
    try {
      await queue.resume();
      await waitUntil(
        () => queue.getJobState(id),
        (state) => state === 'failed',
        { timeoutMs: 20_000, what: 'the queue entry to fail' },
      );
      expect((await queue.getJob(id))?.attemptsMade).toBe(2);
    } finally {
      await proxy.up();
    }
    // The row never saw those runs; the reconciler ends it with the queue's count (it leaves rows
    // younger than a minute alone: their queue entry may still be on its way).
    await database.query(`UPDATE jobs SET created_at = now() - interval '1 minute' WHERE id = $1`, [id]);
    const reconciler = api.app.get(JobReconciler);
    expect((await reconciler.reconcile())?.failed).toEqual([id]);
    expect(await jobsApi.job(id)).toMatchObject({ status: 'failed', attempts: 2, errorCode: 'database' });
  });

  it('should answer the queue dashboard with 503 and Retry-After while the database is down', async () => {
    await proxy.down();
    try {
      // A key the API has not verified yet: checking it needs the database.
      const response = await fetch(`${api.baseUrl}/admin/queues`, {
        headers: { 'x-api-key': 'kra_never-seen-before-key-0123456789' },
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toMatchObject({ statusCode: 503, requestId: expect.any(String) });
    } finally {
      await proxy.up();
    }
  });
});
