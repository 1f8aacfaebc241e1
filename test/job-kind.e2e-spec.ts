import {
  callerOf,
  JOB_QUEUE,
  type JobContext,
  type JobHandler,
  type JobQueue,
  type JobReport,
  JobSubmissionDto,
  RegisterJobKind,
  RequireScopes,
} from '@app/common';
import { JobQueueModule } from '@app/jobs';
import { Body, Controller, HttpCode, HttpStatus, Inject, Module, Post, Req } from '@nestjs/common';
import { IsBoolean, IsInt, Max, Min } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApi, startApi } from './support/api';
import { ADMIN_KEY, testConfig, TestDatabase, TestRedisPrefix } from './support/infra';
import { JobsApi } from './support/jobs-api';

/**
 * A kind that exists only here: it naps `naps` times for `napMs` each, reporting each nap, and stops
 * when its signal says so. Registering it is this file's module, passed to the app as an extra
 * module; the jobs API, the queue, the worker, cancel and retry are the product's, unchanged.
 */
class NapPayload {
  @IsInt()
  @Min(1)
  @Max(1_000)
  naps: number;

  @IsInt()
  @Min(0)
  @Max(1_000)
  napMs: number;

  @IsBoolean()
  fail: boolean;

  /** Enqueue one more nap as a follow-up once done, as collect-day will enqueue compute-features. */
  @IsBoolean()
  followUp: boolean;
}

interface NapResult {
  napped: number;
  /** What the signal said when the run returned. */
  aborted: boolean;
  /** The follow-up job this run enqueued. */
  followUpId: string | null;
}

@RegisterJobKind()
class NapJob implements JobHandler<NapPayload, NapResult> {
  readonly kind = 'test-nap';
  readonly payload = NapPayload;

  constructor(@Inject(JOB_QUEUE) private readonly jobs: JobQueue) {}

  dedupeKey(params: NapPayload): string {
    return `test-nap:${params.naps}:${params.napMs}:${params.fail}:${params.followUp}`;
  }

  label(params: NapPayload): string {
    return `test-nap ${params.naps} × ${params.napMs} ms`;
  }

  async run({ params, signal, progress }: JobContext<NapPayload>): Promise<JobReport<NapResult>> {
    if (params.fail)
      return {
        outcome: 'failed',
        result: null,
        code: 'bad_request',
        message: 'asked to fail',
        retry: false,
        partial: false,
      };
    let napped = 0;
    while (napped < params.naps && !signal.aborted) {
      await new Promise((resolve) => setTimeout(resolve, params.napMs));
      progress('nap', (napped += 1), params.naps);
    }
    const followUp =
      params.followUp && !signal.aborted
        ? await this.jobs.enqueue('test-nap', { ...params, naps: 1, followUp: false })
        : null;
    return {
      outcome: 'succeeded',
      result: { napped, aborted: signal.aborted, followUpId: followUp?.job.id ?? null },
      summary: `${napped} nap(s)`,
    };
  }
}

@RequireScopes('collect')
@Controller('test-naps')
class NapController {
  constructor(@Inject(JOB_QUEUE) private readonly jobs: JobQueue) {}

  @Post()
  @HttpCode(HttpStatus.ACCEPTED)
  async nap(@Body() body: Record<string, unknown>, @Req() request: FastifyRequest): Promise<JobSubmissionDto> {
    const { job } = await this.jobs.enqueue('test-nap', body, { owner: callerOf(request).apiKeyId });
    return { jobId: job.id, status: job.status };
  }
}

@Module({ imports: [JobQueueModule], controllers: [NapController], providers: [NapJob] })
class NapModule {}

interface Job {
  id: string;
  type: string;
  status: string;
  progress: number;
  step: string | null;
  attempts: number;
  errorCode: string | null;
  retryOf: string | null;
  params: Record<string, unknown>;
  events: { message: string }[];
  result: NapResult | null;
}

describe('A job kind registered by a module of its own', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let api: RunningApi;
  const jobsApi = new JobsApi<Job>(() => api.baseUrl);

  beforeAll(async () => {
    await database.create();
    api = await startApi(
      testConfig(database, redis, {
        JOBS_RUN_IN_API: 'true',
        JOBS_RECONCILE_INTERVAL_MS: '86400000',
        RATE_LIMIT_COLLECT: '1000000',
      }),
      [NapModule],
    );
  });

  afterAll(async () => {
    await api?.close();
    await database.drop();
    await redis.clear();
  });

  it('should run through the queue and the worker to success, shown by the jobs API and the metrics', async () => {
    const id = await jobsApi.submit('/test-naps', { naps: 3, napMs: 20, fail: false, followUp: false });
    const { final } = await jobsApi.settle(id, (job) => job.status);
    expect(final).toMatchObject({
      type: 'test-nap',
      status: 'succeeded',
      progress: 100,
      attempts: 1,
      params: { naps: 3, napMs: 20, fail: false, followUp: false },
      result: { napped: 3, aborted: false, followUpId: null },
    });
    expect(final.events.map((event) => event.message)).toEqual(
      expect.arrayContaining(['attempt 1 started', 'nap: 3 to do', 'succeeded: 3 nap(s)']),
    );
    const listed = (await (await jobsApi.request('GET', '/jobs?type=test-nap')).json()) as { items: Job[] };
    expect(listed.items.map((job) => job.id)).toEqual([id]);
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    expect(metrics).toContain('jobs_total{type="test-nap",status="succeeded"} 1');
    // The same work while it is live is one job; once it has ended, new work is a new job.
    expect(await jobsApi.submit('/test-naps', { naps: 3, napMs: 20, fail: false, followUp: false })).not.toBe(id);
  });

  it('should stop a running job through its signal when cancelled, and retry it as a new job', async () => {
    const id = await jobsApi.submit('/test-naps', { naps: 40, napMs: 50, fail: false, followUp: false });
    await jobsApi.waitFor(id, (job) => job.status === 'running' && job.progress > 0);
    expect((await jobsApi.request('POST', `/jobs/${id}/cancel`)).status).toBe(200);
    const cancelled = await jobsApi.waitFor(id, (job) => job.status === 'cancelled');
    expect(cancelled).toMatchObject({ errorCode: 'cancelled', result: { aborted: true } });
    expect(cancelled.result?.napped).toBeLessThan(40);

    const response = await jobsApi.request('POST', `/jobs/${id}/retry`);
    expect(response.status).toBe(202);
    const again = ((await response.json()) as { jobId: string }).jobId;
    expect(again).not.toBe(id);
    const { final } = await jobsApi.settle(again, (job) => job.status);
    expect(final).toMatchObject({ status: 'succeeded', retryOf: id, result: { napped: 40, aborted: false } });
  });

  it('should let a handler enqueue a follow-up through the port, which runs as a job of its own', async () => {
    const id = await jobsApi.submit('/test-naps', { naps: 2, napMs: 10, fail: false, followUp: true });
    const { final } = await jobsApi.settle(id, (job) => job.status);
    expect(final).toMatchObject({ status: 'succeeded', result: { napped: 2 } });
    const followUpId = final.result?.followUpId;
    expect(followUpId).toEqual(expect.any(String));
    const { final: next } = await jobsApi.settle(followUpId as string, (job) => job.status);
    expect(next).toMatchObject({ type: 'test-nap', status: 'succeeded', params: { naps: 1, followUp: false } });
  });

  it("should fail at once on the kind's own permanent failure code, and check params against its payload", async () => {
    const id = await jobsApi.submit('/test-naps', { naps: 1, napMs: 0, fail: true, followUp: false });
    const failed = await jobsApi.waitFor(id, (job) => job.status === 'failed');
    expect(failed).toMatchObject({ attempts: 1, errorCode: 'bad_request' });

    const refused = await jobsApi.request('POST', '/test-naps', ADMIN_KEY, {
      naps: 0,
      napMs: 10,
      fail: false,
      followUp: false,
      x: 1,
    });
    expect(refused.status).toBe(400);
    const body = (await refused.json()) as { details: { field: string }[] };
    expect(body.details.map((detail) => detail.field).sort()).toEqual(['params.naps', 'params.x']);
  });
});
