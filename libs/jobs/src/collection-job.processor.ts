import { CollectionReport, CollectionService } from '@app/collection';
import { APP_CONFIG, AppConfig } from '@app/config';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { BeforeApplicationShutdown, Inject, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Job, UnrecoverableError } from 'bullmq';
import type { Counter, Histogram } from 'prom-client';
import { errorCodeOf, JobCancelledError, judgeReport, Verdict } from './job-outcome';
import { JobProgress } from './job-progress';
import { COLLECTION_QUEUE, CollectionQueuePayload, JOB_DURATION_METRIC, JobRecord, JOBS_TOTAL_METRIC, JobStatus } from './job.types';
import { JobOutcome, JobsRepository } from './jobs.repository';

/**
 * Runs collection jobs: claims the row, runs the engine with progress and cancel checks, and ends
 * the row from the report. Permanent failures end in BullMQ's UnrecoverableError (no retries);
 * transient ones are thrown so BullMQ retries them with backoff.
 */
@Processor(COLLECTION_QUEUE)
export class CollectionJobProcessor extends WorkerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CollectionJobProcessor.name);
  /** Jobs this process is running now. */
  private active = 0;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly collection: CollectionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectMetric(JOBS_TOTAL_METRIC) private readonly total: Counter<'type' | 'status'>,
    @InjectMetric(JOB_DURATION_METRIC) private readonly duration: Histogram<'type'>,
  ) {
    super();
  }

  onApplicationBootstrap(): void {
    // @Processor() options are static; the configured concurrency applies from here on.
    this.worker.concurrency = this.config.jobs.concurrency;
  }

  /**
   * Closes the worker before Nest's own (graceful) close. With nothing running it closes at once: a
   * graceful close waits for the fetch loop, which never returns while Redis is unreachable. A job
   * picked up meanwhile is left to BullMQ's stalled-job recovery.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.worker.close(this.active === 0);
  }

  async process(job: Job<CollectionQueuePayload>): Promise<JobStatus | 'skipped'> {
    this.active += 1;
    try {
      return await this.run(job);
    } finally {
      this.active -= 1;
    }
  }

  private async run(job: Job<CollectionQueuePayload>): Promise<JobStatus | 'skipped'> {
    const id = job.data.jobId;
    const attempt = job.attemptsMade + 1;
    const record = await this.jobs.start(id, attempt);
    if (!record) return this.skip(id);

    const progress = new JobProgress(this.jobs, record);
    let report: CollectionReport | undefined;
    let verdict: Verdict;
    try {
      report = await this.collection.collectDay({ ...record.params, raceNos: record.params.raceNos ?? undefined, onProgress: progress.onProgress });
      verdict = progress.cancelled ? { kind: 'cancelled' } : judgeReport(report);
    } catch (error) {
      // The engine reports KRA failures itself; what escapes it is ours (the database, say): retry.
      verdict = progress.cancelled || error instanceof JobCancelledError ? { kind: 'cancelled' } : { kind: 'retry', code: errorCodeOf(error), message: String(error), partial: false };
    } finally {
      await progress.stop();
    }
    return this.conclude(job, record, verdict, report);
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    // Without a listener, an 'error' event (Redis lost, say) would crash the process.
    this.logger.warn(`Queue worker error: ${error.message}`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<CollectionQueuePayload> | undefined, error: Error): void {
    this.logger.warn(`Job ${job?.data.jobId ?? '?'} attempt ${job?.attemptsMade ?? '?'} failed: ${error.message}`);
  }

  private async conclude(job: Job<CollectionQueuePayload>, record: JobRecord, verdict: Verdict, report: CollectionReport | undefined): Promise<JobStatus> {
    const attempt = job.attemptsMade + 1;
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    const summary = report ? `${report.races.length} race(s), ${report.failures.length} failure(s)` : 'no report';
    switch (verdict.kind) {
      case 'succeeded':
        return this.end(record, { status: 'succeeded', result: report, message: `succeeded: ${summary}` });
      case 'partially_succeeded':
        return this.end(record, {
          status: 'partially_succeeded',
          result: report,
          errorCode: errorCodeOf(report?.failures[0]?.error ?? ''),
          errorMessage: verdict.message,
          message: `partially succeeded: ${summary}`,
        });
      case 'cancelled':
        return this.end(record, { status: 'cancelled', result: report, errorCode: 'cancelled', errorMessage: 'Cancelled on request', message: 'cancelled while running' });
      case 'permanent':
        await this.end(record, { status: 'failed', result: report, errorCode: verdict.code, errorMessage: verdict.message, message: `failed (${verdict.code}), not retried: ${verdict.message}` });
        throw new UnrecoverableError(verdict.message);
      case 'retry':
        if (!lastAttempt) {
          await this.jobs.requeue(record.id, verdict.code, verdict.message, `attempt ${attempt} failed (${verdict.code}), retrying: ${verdict.message}`);
          throw new Error(verdict.message);
        }
        if (verdict.partial) {
          return this.end(record, { status: 'partially_succeeded', result: report, errorCode: verdict.code, errorMessage: verdict.message, message: `partially succeeded after ${attempt} attempts` });
        }
        await this.end(record, { status: 'failed', result: report, errorCode: verdict.code, errorMessage: verdict.message, message: `failed (${verdict.code}) after ${attempt} attempts` });
        throw new Error(verdict.message);
    }
  }

  private async end(record: JobRecord, outcome: JobOutcome): Promise<JobStatus> {
    const ended = await this.jobs.finish(record.id, outcome);
    this.total.inc({ type: record.type, status: outcome.status });
    const startedAt = ended?.startedAt ?? record.startedAt;
    if (startedAt) this.duration.observe({ type: record.type }, (Date.now() - startedAt.getTime()) / 1000);
    this.logger.log(`Job ${record.id} (${record.type} ${record.params.date} meet ${record.params.meet}) ${outcome.status}`);
    return outcome.status;
  }

  /** The row refused the run: cancelled or finished already. A cancel flagged on a live row ends it here. */
  private async skip(id: string): Promise<'skipped'> {
    const current = await this.jobs.findById(id);
    if (current && (current.status === 'queued' || current.status === 'running') && current.cancelRequestedAt) {
      await this.end(current, { status: 'cancelled', errorCode: 'cancelled', errorMessage: 'Cancelled on request', message: 'cancelled before the attempt started' });
    }
    return 'skipped';
  }
}
