import { kstToday } from '@app/calendar';
import { JOB_QUEUE_NAME, JobLifecycle, JobsRepository } from '@app/jobs';
import { createKraSandbox, KraSandbox } from '@app/kra-sandbox';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RunningApi, startApi } from './support/api';
import { ADMIN_KEY, testConfig, TestDatabase, TestRedisPrefix } from './support/infra';
import { JobsApi } from './support/jobs-api';

interface Job {
  id: string;
  type: string;
  params: Record<string, unknown>;
  status: string;
  progress: number;
  step: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  retryOf: string | null;
  parentId: string | null;
  children: Record<string, number> | null;
  events: { at: string; message: string }[];
  result: Record<string, unknown> | null;
}

describe('Backfills', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let sandbox: KraSandbox;
  let api: RunningApi;
  let queue: Queue;
  const jobsApi = new JobsApi<Job>(() => api.baseUrl);

  const backfill = async (body: unknown): Promise<string> => {
    const response = await jobsApi.request('POST', '/collection/backfill', ADMIN_KEY, body);
    expect(response.status).toBe(202);
    const submission = (await response.json()) as { jobId: string; status: string };
    expect(submission.status).toBe('running');
    return submission.jobId;
  };
  const children = async (parentId: string): Promise<Job[]> => {
    const response = await jobsApi.request('GET', `/jobs?parentId=${parentId}&limit=200`, ADMIN_KEY);
    expect(response.status).toBe(200);
    const page = (await response.json()) as { items: Job[] };
    return page.items.sort(
      (a, b) =>
        String(a.params.date).localeCompare(String(b.params.date)) || Number(a.params.meet) - Number(b.params.meet),
    );
  };
  /** Polls until the job has ended, returning every progress figure seen on the way. */
  const settle = async (id: string, timeoutMs = 45_000): Promise<{ final: Job; progress: number[] }> => {
    const { final, seen } = await jobsApi.settle(id, (job) => job.progress, { timeoutMs, intervalMs: 25 });
    return { final, progress: seen };
  };

  beforeAll(async () => {
    await database.create();
    sandbox = await createKraSandbox();
    await sandbox.listen();
    api = await startApi(
      testConfig(database, redis, {
        KRA_BASE_URL: sandbox.url,
        KRA_REQUESTS_PER_SECOND: '1000',
        // No client-level retries and one attempt per job: a forced failure fails its race day at once.
        KRA_MAX_RETRIES: '0',
        JOBS_ATTEMPTS: '1',
        // One race day at a time: the order is the queue's, and progress visibly climbs.
        JOBS_CONCURRENCY: '1',
        RATE_LIMIT_COLLECT: '1000000',
        RATE_LIMIT_ADMIN: '1000000',
        JOBS_RUN_IN_API: 'true',
      }),
    );
    queue = api.app.get<Queue>(getQueueToken(JOB_QUEUE_NAME));
  });

  afterAll(async () => {
    await api?.close();
    await sandbox?.close();
    await database.drop();
    await redis.clear();
  });

  it('should collect every race day of a week for two meets under one backfill that tracks and sums them up', async () => {
    // Monday 2025-05-19 to Sunday 2025-05-25: Busan races Friday and Sunday, Seoul Saturday and Sunday.
    const id = await backfill({ from: '20250519', to: '2025-05-25', meets: [3, 1] });
    const days = (await children(id)).map((child) => {
      expect(child).toMatchObject({
        type: 'collect-day',
        parentId: id,
        params: { raceNos: null, details: true, results: true },
      });
      return `${String(child.params.date)}/${String(child.params.meet)}`;
    });
    expect(days).toEqual(['2025-05-23/3', '2025-05-24/1', '2025-05-25/1', '2025-05-25/3']);

    const { final, progress } = await settle(id);
    expect(final).toMatchObject({
      type: 'backfill',
      params: { from: '2025-05-19', to: '2025-05-25', meets: [1, 3] },
      status: 'succeeded',
      progress: 100,
      step: '4/4 race days done',
      errorCode: null,
      parentId: null,
      children: { total: 4, queued: 0, running: 0, succeeded: 4, partiallySucceeded: 0, failed: 0, cancelled: 0 },
      result: { days: 4, succeeded: 4, partiallySucceeded: 0, failed: 0, cancelled: 0, failedChildren: [] },
    });
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    expect(
      progress.some((value) => value > 0 && value < 100),
      `progress seen: ${progress.join(', ')}`,
    ).toBe(true);
    expect(final.events.map((event) => event.message)).toEqual([
      'started: 4 race day(s)',
      expect.stringMatching(/^succeeded: 4 race day\(s\)/),
    ]);

    for (const child of await children(id)) {
      expect(child.status).toBe('succeeded');
      const { date, meet } = child.params as { date: string; meet: number };
      const read = await jobsApi.request('GET', `/collection/races?date=${date}&meet=${meet}`, ADMIN_KEY);
      expect(read.status).toBe(200);
      const body = (await read.json()) as { races: { raceNo: number }[] };
      expect(body.races.length).toBe(sandbox.world.raceDay(date.replaceAll('-', ''), meet as 1 | 3).races.length);
      expect(body.races.length).toBeGreaterThan(0);
    }

    const listed = (await (await jobsApi.request('GET', '/jobs?type=backfill', ADMIN_KEY)).json()) as { items: Job[] };
    expect(listed.items.find((item) => item.id === id)?.children).toMatchObject({ total: 4, succeeded: 4 });
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    expect(metrics).toContain('jobs_total{type="backfill",status="queued"} 1');
    expect(metrics).toContain('jobs_total{type="backfill",status="succeeded"} 1');
  }, 60_000);

  it('should refuse a backfill to a key without the admin scope', async () => {
    const collector = await jobsApi.createKey('collector', ['collect', 'read']);
    const response = await jobsApi.request('POST', '/collection/backfill', collector, {
      from: '2025-05-19',
      to: '2025-05-25',
    });
    expect(response.status).toBe(403);
  });

  it('should reject invalid ranges and meets with 400 naming the field', async () => {
    const tomorrow = new Date(Date.parse(`${kstToday()}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const cases: [unknown, string][] = [
      [{ from: '2025-05-25', to: '2025-05-19' }, 'to'],
      [{ from: '2024-01-01', to: '2025-01-01' }, 'to'],
      [{ from: kstToday(), to: tomorrow }, 'to'],
      [{ from: '2099-12-01', to: '2099-12-31' }, 'to'],
      [{ from: '2025-02-30', to: '2025-03-09' }, 'from'],
      [{ from: '2025-05-19', to: 'yesterday' }, 'to'],
      [{ from: '2025-05-19', to: '2025-05-25', meets: [4] }, 'meets'],
      [{ from: '2025-05-19', to: '2025-05-25', meets: [1, 1] }, 'meets'],
      [{ from: '2025-05-19', to: '2025-05-25', meets: [] }, 'meets'],
      [{ from: '2025-05-19', to: '2025-05-25', meets: ['1'] }, 'meets'],
      // Monday to Thursday: nobody races; Friday 23rd: Seoul does not.
      [{ from: '2025-05-19', to: '2025-05-22' }, 'to'],
      [{ from: '2025-05-19', to: '2025-05-23', meets: [1] }, 'to'],
      [{ from: '2025-05-19', to: '2025-05-25', extra: true }, 'extra'],
      [{ to: '2025-05-25' }, 'from'],
    ];
    for (const [body, field] of cases) {
      const response = await jobsApi.request('POST', '/collection/backfill', ADMIN_KEY, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const error = (await response.json()) as { message: string; details: { field: string; reason: string }[] };
      expect(
        error.details.map((problem) => problem.field),
        JSON.stringify(body),
      ).toEqual([field]);
      expect(error.details[0].reason.length).toBeGreaterThan(0);
    }
    expect((await jobsApi.request('GET', '/jobs?parentId=not-a-uuid', ADMIN_KEY)).status).toBe(400);
  });

  it('should return the live backfill for the same request, and cancel it with its queued race days', async () => {
    await queue.pause();
    try {
      // Friday 2025-05-30 to Sunday 2025-06-01, every meet: two meets a day.
      const id = await backfill({ from: '2025-05-30', to: '2025-06-01' });
      expect(await backfill({ from: '20250530', to: '20250601', meets: [3, 2, 1] })).toBe(id);
      const queued = await children(id);
      expect(queued.map((child) => child.status)).toEqual(Array(6).fill('queued'));
      expect(await queue.getJob(queued[0].id)).toBeDefined();
      expect(await jobsApi.job(id)).toMatchObject({
        status: 'running',
        progress: 0,
        step: '0/6 race days done',
        children: { total: 6, queued: 6 },
      });

      const cancel = await jobsApi.request('POST', `/jobs/${id}/cancel`, ADMIN_KEY);
      expect(cancel.status).toBe(200);
      expect(await cancel.json()).toMatchObject({
        id,
        status: 'cancelled',
        errorCode: 'cancelled',
        progress: 100,
        children: { total: 6, cancelled: 6 },
        result: { days: 6, cancelled: 6, failedChildren: [] },
      });
      for (const child of await children(id)) {
        expect(child).toMatchObject({ status: 'cancelled', errorCode: 'cancelled' });
        expect(await queue.getJob(child.id)).toBeUndefined();
      }
      expect((await jobsApi.request('POST', `/jobs/${id}/cancel`, ADMIN_KEY)).status).toBe(409);

      // A retry is a new backfill over the same range; cancelled too, before anything runs.
      const retry = await jobsApi.request('POST', `/jobs/${id}/retry`, ADMIN_KEY);
      expect(retry.status).toBe(202);
      const { jobId } = (await retry.json()) as { jobId: string };
      expect(jobId).not.toBe(id);
      expect(await jobsApi.job(jobId)).toMatchObject({
        type: 'backfill',
        status: 'running',
        retryOf: id,
        params: { from: '2025-05-30', to: '2025-06-01', meets: [1, 2, 3] },
      });
      expect((await children(jobId)).map((child) => child.status)).toEqual(Array(6).fill('queued'));
      expect((await jobsApi.request('POST', `/jobs/${jobId}/cancel`, ADMIN_KEY)).status).toBe(200);
      expect((await jobsApi.job(jobId)).status).toBe('cancelled');
    } finally {
      await queue.resume();
    }
  });

  it('should end a backfill exactly once when its race days end together, and settle one whose update was missed', async () => {
    await queue.pause();
    try {
      const repository = api.app.get(JobsRepository);
      const lifecycle = api.app.get(JobLifecycle);
      const together = await backfill({ from: '2025-06-13', to: '2025-06-15' });
      const missed = await backfill({ from: '2025-06-20', to: '2025-06-22' });
      // The rows end here; the processor never sees them (their queue entries go).
      await queue.drain();

      // As processors on several workers would: every child ends, then updates its parent, all at once.
      const refreshed = await Promise.all(
        (await children(together)).map(async (child) => {
          await repository.finish(child.id, { status: 'succeeded', message: 'succeeded (test)' });
          return lifecycle.refreshParent(together);
        }),
      );
      expect(refreshed.filter((outcome) => outcome?.ended)).toHaveLength(1);
      expect(await jobsApi.job(together)).toMatchObject({
        status: 'succeeded',
        progress: 100,
        result: { days: 6, succeeded: 6 },
      });

      for (const child of await children(missed))
        await repository.finish(child.id, { status: 'failed', errorCode: 'upstream', message: 'failed (test)' });
      expect(await repository.unsettledParentIds()).toEqual([missed]);
      expect(await lifecycle.settleParent(missed)).toMatchObject({
        status: 'failed',
        errorCode: 'upstream',
        result: { days: 6, failed: 6 },
      });
      expect(await repository.unsettledParentIds()).toEqual([]);
    } finally {
      await queue.resume();
    }
  });

  it('should fail the backfill and its race days when the queue cannot take them', async () => {
    const addBulk = vi.spyOn(queue, 'addBulk').mockRejectedValueOnce(new Error('Connection is closed.'));
    try {
      const response = await jobsApi.request('POST', '/collection/backfill', ADMIN_KEY, {
        from: '2025-06-27',
        to: '2025-06-29',
        meets: [2],
      });
      expect(response.status).toBe(503);
    } finally {
      addBulk.mockRestore();
    }
    const listed = (await (await jobsApi.request('GET', '/jobs?type=backfill&limit=1', ADMIN_KEY)).json()) as {
      items: Job[];
    };
    const [parent] = listed.items;
    expect(parent).toMatchObject({
      params: { from: '2025-06-27', to: '2025-06-29', meets: [2] },
      status: 'failed',
      errorCode: 'internal',
      children: { total: 2, failed: 2 },
    });
    for (const child of await children(parent.id))
      expect(child).toMatchObject({ status: 'failed', errorCode: 'internal', errorMessage: 'Could not be queued' });
    // Ended, so it no longer holds its key: the same request is new work.
    await queue.pause();
    try {
      const again = await backfill({ from: '2025-06-27', to: '2025-06-29', meets: [2] });
      expect(again).not.toBe(parent.id);
      expect((await jobsApi.request('POST', `/jobs/${again}/cancel`, ADMIN_KEY)).status).toBe(200);
    } finally {
      await queue.resume();
    }
  });

  // Last: it leaves a failed job behind, and its fault must not reach another test.
  it('should end partially succeeded, listing the race day that failed', async () => {
    sandbox.reset();
    // The first entry-sheet call answers 500: the first race day (one at a time, in queue order) fails, the other succeeds.
    sandbox.failNext('API26_2', ['http500']);
    const id = await backfill({ from: '2025-06-08', to: '2025-06-08' });
    const { final } = await settle(id);
    const [failed, succeeded] = await children(id);
    expect(failed).toMatchObject({ params: { date: '2025-06-08', meet: 1 }, status: 'failed', errorCode: 'transient' });
    expect(succeeded).toMatchObject({ params: { date: '2025-06-08', meet: 3 }, status: 'succeeded' });
    expect(final).toMatchObject({
      status: 'partially_succeeded',
      progress: 100,
      errorCode: 'transient',
      children: { total: 2, succeeded: 1, failed: 1 },
      result: {
        days: 2,
        succeeded: 1,
        partiallySucceeded: 0,
        failed: 1,
        cancelled: 0,
        failedChildren: [{ id: failed.id, date: '2025-06-08', meet: 1, errorCode: 'transient' }],
      },
    });
  }, 60_000);
});
