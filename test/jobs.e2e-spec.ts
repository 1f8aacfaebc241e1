import { JOB_QUEUE_NAME, JobReconciler } from '@app/jobs';
import { createKraSandbox, KraSandbox } from '@app/kra-sandbox';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApi, startApi } from './support/api';
import { ADMIN_KEY, testConfig, TestDatabase, TestRedisPrefix } from './support/infra';
import { JobsApi } from './support/jobs-api';
import { sleep, waitUntil } from './support/processes';

interface Job {
  id: string;
  type: string;
  status: string;
  progress: number;
  step: string | null;
  attempts: number;
  errorCode: string | null;
  errorMessage: string | null;
  retryOf: string | null;
  cancelRequestedAt: string | null;
  params: Record<string, unknown>;
  events: { at: string; message: string }[];
  result: { ok: boolean; races: { raceNo: number; status: string; results: number }[]; failures: unknown[] } | null;
}

describe('Collection jobs', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let sandbox: KraSandbox;
  let api: RunningApi;
  let queue: Queue;
  const jobsApi = new JobsApi<Job>(() => api.baseUrl);
  const keys: Record<'alice' | 'bob' | 'reader', string> = { alice: '', bob: '', reader: '' };

  /** Polls until the job has ended, returning every status seen on the way. */
  const settle = (id: string, key = ADMIN_KEY, timeoutMs = 20_000): Promise<{ final: Job; seen: string[] }> =>
    jobsApi.settle(id, (job) => job.status, { key, timeoutMs });

  beforeAll(async () => {
    await database.create();
    sandbox = await createKraSandbox();
    await sandbox.listen();
    api = await startApi(
      testConfig(database, redis, {
        KRA_BASE_URL: sandbox.url,
        KRA_REQUESTS_PER_SECOND: '1000',
        // No client-level retries: transient failures reach the job, whose retries are under test.
        KRA_MAX_RETRIES: '0',
        // Every job looks its runners up afresh, so a job's details step always calls the sandbox.
        KRA_MASTER_CACHE_TTL_SECONDS: '0',
        RATE_LIMIT_COLLECT: '1000000',
        JOBS_RUN_IN_API: 'true',
        JOBS_ATTEMPTS: '3',
        JOBS_BACKOFF_MS: '100',
        // Reconciliation runs when the test says so.
        JOBS_RECONCILE_INTERVAL_MS: '86400000',
      }),
    );
    queue = api.app.get<Queue>(getQueueToken(JOB_QUEUE_NAME));
    keys.alice = await jobsApi.createKey('alice', ['collect', 'read']);
    keys.bob = await jobsApi.createKey('bob', ['collect']);
    keys.reader = await jobsApi.createKey('reader', ['read']);
  });

  afterAll(async () => {
    await api?.close();
    await sandbox?.close();
    await database.drop();
    // BullMQ's keys live under `${prefix}bull:`, so this removes them too.
    await redis.clear();
  });

  it('should accept a collection with 202, run it to success and serve the data', async () => {
    // The queue is paused, so the job is certainly seen queued and the duplicate certainly arrives while it is live.
    await queue.pause();
    const id = await jobsApi.submit('/collection/races', { date: '20250523', meet: 3 });
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(await jobsApi.submit('/collection/races', { date: '2025-05-23', meet: 3 })).toBe(id);
    expect(await queue.getJob(id)).toBeDefined();
    expect(await jobsApi.job(id)).toMatchObject({ status: 'queued', progress: 0, attempts: 0, result: null });
    await queue.resume();

    const { final, seen } = await settle(id);
    expect(seen.at(-1)).toBe('succeeded');
    expect(seen.every((status) => ['queued', 'running', 'succeeded'].includes(status))).toBe(true);
    expect(final).toMatchObject({ type: 'collect-day', progress: 100, step: 'done', attempts: 1, errorCode: null });
    // A day that is over: its results come too, unless asked otherwise.
    expect(final.params).toMatchObject({ details: true, results: true });
    expect(final.result?.ok).toBe(true);
    expect(final.result?.races.every((race) => race.status === 'finished' && race.results > 0)).toBe(true);
    expect(final.result?.races.length).toBe(sandbox.world.raceDay('20250523', 3).races.length);
    expect(final.events.map((event) => event.message)).toEqual(
      expect.arrayContaining(['queued', 'attempt 1 started', expect.stringMatching(/^succeeded/)]),
    );

    const read = await jobsApi.request('GET', '/collection/races?date=2025-05-23&meet=3', ADMIN_KEY);
    const body = (await read.json()) as { races: { raceNo: number }[] };
    expect(body.races.map((race) => race.raceNo)).toEqual(final.result?.races.map((race) => race.raceNo));

    // Once the first has ended, the same request is new work.
    const again = await jobsApi.submit('/collection/races', { date: '2025-05-23', meet: 3 });
    expect(again).not.toBe(id);
    expect((await settle(again)).final.status).toBe('succeeded');
  });

  it('should collect the cards and details only of a day still to come, or when asked to', async () => {
    const ahead = new Date(Date.now() + 3 * 86_400_000 + 9 * 3_600_000).toISOString().slice(0, 10);
    const upcoming = await jobsApi.job(await jobsApi.submit('/collection/races', { date: ahead, meet: 1 }));
    expect(upcoming.params).toMatchObject({ date: ahead, details: true, results: false });
    const asked = await jobsApi.job(
      await jobsApi.submit('/collection/races', { date: '2025-05-24', meet: 1, include: ['details'] }),
    );
    expect(asked.params).toMatchObject({ details: true, results: false });
  });

  it('should collect only the races asked for, results included', async () => {
    const id = await jobsApi.submit('/collection/results', {
      date: '2025-05-23',
      meet: 3,
      raceNos: [2, 1],
      include: [],
    });
    const { final } = await settle(id);
    expect(final).toMatchObject({
      type: 'collect-results',
      status: 'succeeded',
      params: { raceNos: [1, 2], details: false, results: true },
    });
    expect(final.result?.races.map((race) => race.raceNo)).toEqual([1, 2]);
  });

  it('should reject invalid submissions and lookups with 400 and field details', async () => {
    const response = await jobsApi.request('POST', '/collection/races', ADMIN_KEY, {
      date: '2025-02-30',
      meet: 5,
      raceNos: [0, 21],
      include: ['odds'],
    });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { details: { field: string }[] };
    expect(body.details.map((problem) => problem.field)).toEqual(
      expect.arrayContaining(['date', 'meet', 'raceNos', 'include']),
    );
    expect(
      (await jobsApi.request('POST', '/collection/races', ADMIN_KEY, { date: '2025-05-23', meet: 3, raceNos: [] }))
        .status,
    ).toBe(400);
    expect(
      (await jobsApi.request('POST', '/collection/races', ADMIN_KEY, { date: '2025-05-23', meet: 3, extra: 1 })).status,
    ).toBe(400);
    for (const path of [
      '/jobs/not-a-uuid',
      '/jobs?status=done',
      '/jobs?type=collect-everything',
      '/jobs?limit=0',
      '/jobs?page=1.5',
    ]) {
      expect((await jobsApi.request('GET', path, ADMIN_KEY)).status, path).toBe(400);
    }
    expect((await jobsApi.request('POST', '/jobs/12345/cancel', ADMIN_KEY)).status).toBe(400);
    expect((await jobsApi.request('GET', '/jobs/00000000-0000-4000-8000-000000000000', ADMIN_KEY)).status).toBe(404);
  });

  it("should hide another key's jobs and refuse a read-only key", async () => {
    const id = await jobsApi.submit('/collection/races', { date: '2025-05-23', meet: 3, include: [] }, keys.alice);
    await settle(id, keys.alice);
    expect((await jobsApi.request('GET', `/jobs/${id}`, keys.bob)).status).toBe(404);
    expect((await jobsApi.request('POST', `/jobs/${id}/cancel`, keys.bob)).status).toBe(404);
    expect((await jobsApi.request('POST', `/jobs/${id}/retry`, keys.bob)).status).toBe(404);
    expect((await jobsApi.request('GET', `/jobs/${id}`, ADMIN_KEY)).status).toBe(200);

    const list = async (key: string, query = ''): Promise<{ items: { id: string }[]; total: number }> =>
      (await (await jobsApi.request('GET', `/jobs${query}`, key)).json()) as { items: { id: string }[]; total: number };
    expect((await list(keys.alice)).items.map((item) => item.id)).toEqual([id]);
    expect((await list(keys.bob)).total).toBe(0);
    expect((await list(ADMIN_KEY, '?type=collect-day&status=succeeded')).items.map((item) => item.id)).toContain(id);

    expect(
      (await jobsApi.request('POST', '/collection/races', keys.reader, { date: '2025-05-23', meet: 3 })).status,
    ).toBe(403);
    expect((await jobsApi.request('GET', '/jobs', keys.reader)).status).toBe(403);
  });

  it('should cancel a queued job at once, and retry it as a new job', async () => {
    await queue.pause();
    const id = await jobsApi.submit('/collection/races', { date: '2025-04-05', meet: 1, include: [] });
    const cancel = await jobsApi.request('POST', `/jobs/${id}/cancel`, ADMIN_KEY);
    expect(cancel.status).toBe(200);
    expect(await cancel.json()).toMatchObject({ id, status: 'cancelled', errorCode: 'cancelled' });
    expect(await queue.getJob(id)).toBeUndefined();
    await queue.resume();
    await sleep(300);
    expect((await jobsApi.job(id)).status).toBe('cancelled');
    expect((await jobsApi.request('POST', `/jobs/${id}/cancel`, ADMIN_KEY)).status).toBe(409);

    const retry = await jobsApi.request('POST', `/jobs/${id}/retry`, ADMIN_KEY);
    expect(retry.status).toBe(202);
    const { jobId } = (await retry.json()) as { jobId: string };
    expect(jobId).not.toBe(id);
    const { final } = await settle(jobId);
    expect(final).toMatchObject({ status: 'succeeded', retryOf: id });
    expect((await jobsApi.request('POST', `/jobs/${jobId}/retry`, ADMIN_KEY)).status).toBe(409);
  });

  it('should stop a running job at its next step when cancelled', async () => {
    // Slow horse lookups keep the job in its details step long enough to cancel it there.
    sandbox.setFaults('API8_2', { latencyMs: 150 });
    try {
      const id = await jobsApi.submit('/collection/races', { date: '2025-04-05', meet: 1 });
      await waitUntil(
        () => jobsApi.job(id),
        (job) => job.step?.startsWith('details') ?? false,
        { intervalMs: 20, what: 'the details step' },
      );
      const cancel = await jobsApi.request('POST', `/jobs/${id}/cancel`, ADMIN_KEY);
      expect(cancel.status).toBe(200);
      expect(await cancel.json()).toMatchObject({ status: 'running', cancelRequestedAt: expect.any(String) });
      const { final } = await settle(id);
      expect(final).toMatchObject({ status: 'cancelled', errorCode: 'cancelled', attempts: 1 });
      expect(final.progress).toBeLessThan(100);
      expect(final.events.map((event) => event.message)).toEqual(
        expect.arrayContaining(['cancel requested', 'cancelled while running']),
      );
    } finally {
      sandbox.setFaults('API8_2', null);
    }
  });

  it('should abandon a run whose record was taken back elsewhere, and leave that record as it is', async () => {
    sandbox.setFaults('API8_2', { latencyMs: 150 });
    try {
      const id = await jobsApi.submit('/collection/races', { date: '2025-04-12', meet: 1 });
      await jobsApi.waitFor(id, (current) => current.step?.startsWith('details') ?? false, { timeoutMs: 10_000 });
      // As if another process had put the job back on the queue while this run went on.
      await database.query(`UPDATE jobs SET status = 'queued', step = 'waiting to resume' WHERE id = $1`, [id]);
      await waitUntil(
        () => queue.getJobState(id),
        (state) => state === 'completed',
        { what: 'the queue entry to complete' },
      );
      expect(await queue.getJobState(id)).toBe('completed');
      // Not ended as cancelled or anything else: the record is the other process's now.
      expect(await jobsApi.job(id)).toMatchObject({ status: 'queued', step: 'waiting to resume', errorCode: null });
      await database.query(`UPDATE jobs SET status = 'cancelled', finished_at = now() WHERE id = $1`, [id]);
    } finally {
      sandbox.setFaults('API8_2', null);
    }
  });

  it('should put jobs whose queue entry was lost back on the queue, but never one a live processor is running', async () => {
    await queue.pause();
    const lost = await jobsApi.submit('/collection/races', { date: '2025-04-06', meet: 1, include: [] });
    const busy = await jobsApi.submit('/collection/races', { date: '2025-04-06', meet: 3, include: [] });
    // As after a Redis restart without persistence: the rows remain, their queue entries are gone.
    await queue.remove(lost);
    await queue.remove(busy);
    await database.query(`UPDATE jobs SET created_at = now() - interval '1 minute' WHERE id = ANY($1)`, [[lost, busy]]);
    // `busy` looks taken by a processor that saved progress a moment ago.
    await database.query(`UPDATE jobs SET status = 'running', started_at = now(), heartbeat_at = now() WHERE id = $1`, [
      busy,
    ]);

    const reconciler = api.app.get(JobReconciler);
    expect(await reconciler.reconcile()).toEqual({ checked: 1, requeued: [lost], failed: [] });
    expect(await queue.getJobState(lost)).toBe('waiting');
    expect(await queue.getJobState(busy)).toBe('unknown');

    // Silent for longer than a claim lasts: its processor is gone, so the job goes back too.
    await database.query(`UPDATE jobs SET heartbeat_at = now() - interval '1 hour' WHERE id = $1`, [busy]);
    // `lost` is checked again, but its queue entry is waiting now: nothing to do for it.
    expect(await reconciler.reconcile()).toEqual({ checked: 2, requeued: [busy], failed: [] });
    expect(await jobsApi.job(busy)).toMatchObject({ status: 'queued', step: 'waiting to resume' });

    await queue.resume();
    for (const id of [lost, busy]) {
      const { final } = await settle(id);
      expect(final.status).toBe('succeeded');
      expect(final.events.map((event) => event.message)).toContain(
        `re-queued: its queue entry was lost (was ${id === lost ? 'queued' : 'running'})`,
      );
    }
  });

  it('should retry a burst of 5xx with backoff until it succeeds', async () => {
    sandbox.failNext('API26_2', ['http500', 'http500']);
    const id = await jobsApi.submit('/collection/races', { date: '2025-04-05', meet: 1, include: [] });
    const { final } = await settle(id);
    expect(final).toMatchObject({ status: 'succeeded', attempts: 3, progress: 100 });
    const messages = final.events.map((event) => event.message);
    expect(messages.filter((message) => /^attempt \d failed \(transient\), retrying/.test(message))).toHaveLength(2);
    expect(messages).toContain('attempt 3 started');
  });

  // Last ones: the client remembers an exhausted quota until midnight KST, in Redis and in memory.
  it('should end a day whose cards were stored before the quota ran out partially_succeeded, not failed', async () => {
    sandbox.reset();
    sandbox.setFaults('API8_2', { gatewayError: { code: '22', status: 200, format: 'xml' } });
    try {
      const id = await jobsApi.submit('/collection/races', { date: '2025-04-12', meet: 1, include: ['details'] });
      const { final } = await settle(id);
      expect(final).toMatchObject({ status: 'partially_succeeded', attempts: 1 });
      expect(final.result?.races.length).toBeGreaterThan(5);
      expect(final.result?.failures.length).toBeGreaterThan(0);
      // Only the lookups already in flight (KRA_CONCURRENCY, 4) when the first quota answer came.
      expect(sandbox.stats().byService.API8_2).toBeLessThanOrEqual(4);
    } finally {
      sandbox.setFaults('API8_2', null);
    }
  });

  it('should fail a job at once, without retries, when the KRA quota is spent', async () => {
    sandbox.reset();
    sandbox.setFaults('API26_2', { gatewayError: { code: '22', status: 200, format: 'xml' } });
    try {
      const id = await jobsApi.submit('/collection/races', { date: '2025-04-05', meet: 1, include: [] });
      const { final } = await settle(id);
      expect(final).toMatchObject({ status: 'failed', errorCode: 'quota', attempts: 1 });
      expect(final.errorMessage).toContain('daily quota exhausted');
      expect(sandbox.stats().byService.API26_2).toBe(1);
      const bullJob = await queue.getJob(id);
      expect(bullJob?.attemptsMade).toBe(1);
      expect(await bullJob?.getState()).toBe('failed');
    } finally {
      sandbox.setFaults('API26_2', null);
    }
  });
});
