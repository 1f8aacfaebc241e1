import { CollectionReport, CollectionService } from '@app/collection';
import { APP_CONFIG, AppConfig } from '@app/config';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { isDatabaseUnavailable } from '@app/common';
import { DelayedError, Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import type { Counter, Histogram } from 'prom-client';
import { errorCodeOf, JobCancelledError, JobInterruptedError, judgeReport, Verdict } from './job-outcome';
import { JobProgress } from './job-progress';
import {
  COLLECTION_QUEUE,
  CollectionQueuePayload,
  JOB_DURATION_METRIC,
  jobLabel,
  JobRecord,
  JOBS_TOTAL_METRIC,
  JobStatus,
} from './job.types';
import { JobOutcome, JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';
import { bullOptions } from './queue-options';

/**
 * Runs collection jobs: claims the row, runs the engine with progress and cancel checks, and ends
 * the row from the report. Permanent failures end in BullMQ's UnrecoverableError (no retries);
 * transient ones are thrown so BullMQ retries them with backoff.
 *
 * A database that is down does not spend attempts: the job is put back on the queue for a few
 * seconds, again and again, until the database answers or JOBS_DATABASE_WAIT_MS has passed.
 *
 * Crash safety is BullMQ's: a running job holds a lock its worker renews; when a worker dies the
 * lock lapses (JOBS_LOCK_MS) and another worker's stalled check puts the job back. Collection is
 * idempotent, so the rerun leaves the data as one run would.
 */
/** How soon a job that found the database unavailable is tried again. */
const DATABASE_RETRY_DELAY_MS = 2_000;

@Injectable()
export class CollectionJobProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CollectionJobProcessor.name);
  /** A worker of our own rather than @Processor(): its lock and stall settings come from config, which static decorator options cannot carry. */
  private worker?: Worker<CollectionQueuePayload, JobStatus | 'skipped'>;
  /** Jobs this process is running now, and the progress of those past their start. */
  private active = 0;
  private readonly running = new Set<JobProgress>();
  private shuttingDown = false;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly collection: CollectionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectMetric(JOBS_TOTAL_METRIC) private readonly total: Counter<'type' | 'status'>,
    @InjectMetric(JOB_DURATION_METRIC) private readonly duration: Histogram<'type'>,
    private readonly jobsService: JobsService,
  ) {}

  onApplicationBootstrap(): void {
    const { concurrency, lockMs, stalledIntervalMs, maxStalled } = this.config.jobs;
    this.worker = new Worker<CollectionQueuePayload, JobStatus | 'skipped'>(
      COLLECTION_QUEUE,
      (job, token) => this.process(job, token),
      {
        ...bullOptions(this.config),
        concurrency,
        lockDuration: lockMs,
        stalledInterval: stalledIntervalMs,
        maxStalledCount: maxStalled,
      },
    );
    // Without a listener, an 'error' event (Redis lost, say) would crash the process.
    this.worker.on('error', (error) => this.logger.warn(`Queue worker error: ${error.message}`));
    this.worker.on('failed', (job, error) =>
      this.logger.warn(`Job ${job?.data.jobId ?? '?'} attempt ${job?.attemptsMade ?? '?'} failed: ${error.message}`),
    );
  }

  /**
   * Stops taking jobs and interrupts the running ones: each stops at its next step boundary and is
   * handed back to the queue, where another worker resumes it. SHUTDOWN_GRACE_MS bounds the wait;
   * a job still running then is recovered by the stalled check like a crash. With nothing running
   * the worker closes at once: a graceful close waits for the fetch loop, which never returns while
   * Redis is unreachable.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const progress of this.running) progress.interrupt();
    await this.worker?.close(this.active === 0);
  }

  private async process(job: Job<CollectionQueuePayload>, token: string | undefined): Promise<JobStatus | 'skipped'> {
    this.active += 1;
    try {
      return await this.run(job, token);
    } finally {
      this.active -= 1;
    }
  }

  private async run(job: Job<CollectionQueuePayload>, token: string | undefined): Promise<JobStatus | 'skipped'> {
    const id = job.data.jobId;
    if (this.shuttingDown) return this.handBack(job, token, 'handed back before starting: the worker is shutting down');
    const attempt = job.attemptsMade + 1;
    let record: JobRecord | null;
    try {
      record = await this.jobs.start(id, attempt);
    } catch (error) {
      if (isDatabaseUnavailable(error)) return this.waitForDatabase(job, token, String(error));
      throw error;
    }
    if (!record) return this.skip(id);
    if (job.data.databaseWaitSince !== undefined) await job.updateData({ jobId: id });

    const progress = new JobProgress(this.jobs, record);
    this.running.add(progress);
    if (this.shuttingDown) progress.interrupt();
    let report: CollectionReport | undefined;
    let verdict: Verdict;
    try {
      report = await this.collection.collectDay({
        ...record.params,
        raceNos: record.params.raceNos ?? undefined,
        onProgress: progress.onProgress,
      });
      const interrupted = report.failures.some((failure) => failure.error === JobInterruptedError.name);
      verdict = progress.cancelled
        ? { kind: 'cancelled' }
        : interrupted
          ? { kind: 'interrupted' }
          : judgeReport(report);
    } catch (error) {
      // The engine reports KRA failures itself; what escapes it is ours (the database, say): retry.
      verdict =
        progress.cancelled || error instanceof JobCancelledError
          ? { kind: 'cancelled' }
          : error instanceof JobInterruptedError
            ? { kind: 'interrupted' }
            : isDatabaseUnavailable(error)
              ? { kind: 'database', message: String(error) }
              : { kind: 'retry', code: errorCodeOf(error), message: String(error), partial: false };
    } finally {
      this.running.delete(progress);
      await progress
        .stop()
        .catch((error: unknown) => this.logger.warn(`Job ${id}: last progress not saved: ${String(error)}`));
    }
    if (progress.detached) {
      this.logger.warn(`Job ${id}: its record stopped being this run's (ended or re-queued elsewhere); run abandoned`);
      return 'skipped';
    }
    if (verdict.kind === 'interrupted')
      return this.handBack(
        job,
        token,
        `interrupted at "${progress.stepName}" by a worker shutdown; resumes in another worker`,
      );
    if (verdict.kind === 'database') return this.waitForDatabase(job, token, verdict.message);
    try {
      return await this.conclude(job, record, verdict, report);
    } catch (error) {
      if (isDatabaseUnavailable(error)) return this.waitForDatabase(job, token, String(error));
      throw error;
    }
  }

  /**
   * The database is unavailable: the job goes back to the queue, delayed, without spending an attempt
   * (its row cannot be written now). Once it has waited JOBS_DATABASE_WAIT_MS this episode, it fails
   * as any run does, spending attempts; the reconciler ends its row with the queue's count later.
   */
  private async waitForDatabase(
    job: Job<CollectionQueuePayload>,
    token: string | undefined,
    reason: string,
  ): Promise<never> {
    const since = job.data.databaseWaitSince ?? Date.now();
    const waited = Date.now() - since;
    if (waited >= this.config.jobs.databaseWaitMs) {
      throw new Error(
        `The database has been unavailable for ${Math.round(waited / 1000)} s (JOBS_DATABASE_WAIT_MS): ${reason}`,
      );
    }
    await job.updateData({ ...job.data, databaseWaitSince: since });
    await job.moveToDelayed(Date.now() + DATABASE_RETRY_DELAY_MS, token);
    this.logger.warn(
      `Job ${job.data.jobId}: the database is unavailable (${reason}); trying again in ${DATABASE_RETRY_DELAY_MS} ms, no attempt spent`,
    );
    throw new DelayedError();
  }

  /** Back to the queue without spending an attempt: BullMQ's WaitingError tells the worker the job has moved. */
  private async handBack(job: Job<CollectionQueuePayload>, token: string | undefined, message: string): Promise<never> {
    await this.jobs.returnToQueue(job.data.jobId, message);
    await job.moveToWait(token);
    this.logger.log(`Job ${job.data.jobId} ${message}`);
    throw new WaitingError();
  }

  private async conclude(
    job: Job<CollectionQueuePayload>,
    record: JobRecord,
    verdict: Exclude<Verdict, { kind: 'interrupted' | 'database' }>,
    report: CollectionReport | undefined,
  ): Promise<JobStatus> {
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
        return this.end(record, {
          status: 'cancelled',
          result: report,
          errorCode: 'cancelled',
          errorMessage: 'Cancelled on request',
          message: 'cancelled while running',
        });
      case 'permanent':
        await this.end(record, {
          status: 'failed',
          result: report,
          errorCode: verdict.code,
          errorMessage: verdict.message,
          message: `failed (${verdict.code}), not retried: ${verdict.message}`,
        });
        throw new UnrecoverableError(verdict.message);
      case 'retry':
        if (!lastAttempt) {
          await this.jobs.requeue(
            record.id,
            verdict.code,
            verdict.message,
            `attempt ${attempt} failed (${verdict.code}), retrying: ${verdict.message}`,
          );
          throw new Error(verdict.message);
        }
        if (verdict.partial) {
          return this.end(record, {
            status: 'partially_succeeded',
            result: report,
            errorCode: verdict.code,
            errorMessage: verdict.message,
            message: `partially succeeded after ${attempt} attempts`,
          });
        }
        await this.end(record, {
          status: 'failed',
          result: report,
          errorCode: verdict.code,
          errorMessage: verdict.message,
          message: `failed (${verdict.code}) after ${attempt} attempts`,
        });
        throw new Error(verdict.message);
    }
  }

  private async end(record: JobRecord, outcome: JobOutcome): Promise<JobStatus> {
    const ended = await this.jobs.finish(record.id, outcome);
    this.total.inc({ type: record.type, status: outcome.status });
    const startedAt = ended?.startedAt ?? record.startedAt;
    if (startedAt) this.duration.observe({ type: record.type }, (Date.now() - startedAt.getTime()) / 1000);
    this.logger.log(`Job ${record.id} (${jobLabel(record)}) ${outcome.status}`);
    // One race day of a backfill: the backfill's progress, and its end after its last day.
    await this.jobsService.childEnded(ended);
    return outcome.status;
  }

  /** The row refused the run: cancelled or finished already. A cancel flagged on a live row ends it here. */
  private async skip(id: string): Promise<'skipped'> {
    const current = await this.jobs.findById(id);
    if (current && (current.status === 'queued' || current.status === 'running') && current.cancelRequestedAt) {
      await this.end(current, {
        status: 'cancelled',
        errorCode: 'cancelled',
        errorMessage: 'Cancelled on request',
        message: 'cancelled before the attempt started',
      });
    }
    return 'skipped';
  }
}
