import { isDatabaseUnavailable, isParentKind, JobReport } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import { JobKinds } from './job-kinds';
import { JobLifecycle } from './job-lifecycle';
import { JobRun } from './job-run';
import { Verdict, verdictOf } from './job-verdict';
import { JOB_QUEUE_NAME, JobQueuePayload, JobRecord, JobStatus } from './job.types';
import { JobsRepository } from './jobs.repository';
import { bullOptions } from './queue-options';

/** How soon a job that found the database unavailable is tried again. */
const DATABASE_RETRY_DELAY_MS = 2_000;

/**
 * Runs jobs of every kind: claims the row, runs the kind's handler with progress and an AbortSignal,
 * and ends the row from the handler's report. Permanent failures end in BullMQ's UnrecoverableError
 * (no retries); others are thrown so BullMQ retries them with backoff.
 *
 * A database that is down does not spend attempts: the job is put back on the queue for a few
 * seconds, again and again, until the database answers or JOBS_DATABASE_WAIT_MS has passed.
 *
 * Crash safety is BullMQ's: a running job holds a lock its worker renews; when a worker dies the
 * lock lapses (JOBS_LOCK_MS) and another worker's stalled check puts the job back. Handlers are
 * idempotent, so the rerun leaves the data as one run would.
 */
@Injectable()
export class JobProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobProcessor.name);
  /** A worker of our own rather than @Processor(): its lock and stall settings come from config, which static decorator options cannot carry. */
  private worker?: Worker<JobQueuePayload, JobStatus | 'skipped'>;
  /** Jobs this process is running now, and the runs of those past their start. */
  private active = 0;
  private readonly running = new Set<JobRun>();
  private shuttingDown = false;

  constructor(
    private readonly jobs: JobsRepository,
    private readonly lifecycle: JobLifecycle,
    private readonly kinds: JobKinds,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    const { concurrency, lockMs, stalledIntervalMs, maxStalled } = this.config.jobs;
    this.worker = new Worker<JobQueuePayload, JobStatus | 'skipped'>(
      JOB_QUEUE_NAME,
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
   * Stops taking jobs and stops the running ones: each stops at its next step boundary and is
   * handed back to the queue, where another worker resumes it. SHUTDOWN_GRACE_MS bounds the wait;
   * a job still running then is recovered by the stalled check like a crash. With nothing running
   * the worker closes at once: a graceful close waits for the fetch loop, which never returns while
   * Redis is unreachable.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    for (const run of this.running) run.stop('shutdown');
    await this.worker?.close(this.active === 0);
  }

  private async process(job: Job<JobQueuePayload>, token: string | undefined): Promise<JobStatus | 'skipped'> {
    this.active += 1;
    try {
      return await this.run(job, token);
    } finally {
      this.active -= 1;
    }
  }

  private async run(job: Job<JobQueuePayload>, token: string | undefined): Promise<JobStatus | 'skipped'> {
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

    const kind = this.kinds.find(record.type);
    if (!kind || isParentKind(kind)) {
      // Another version's kind, say: retried, so a process that knows it may take it.
      return this.conclude(job, record, {
        kind: 'retry',
        result: null,
        code: 'internal',
        message: `This process runs no ${record.type} jobs`,
        partial: false,
      });
    }
    const run = new JobRun(this.jobs, record, attempt, kind.steps?.(record.params)).begin();
    this.running.add(run);
    if (this.shuttingDown) run.stop('shutdown');
    let ran: { report: JobReport } | { error: unknown };
    try {
      ran = { report: await kind.run(run) };
    } catch (error) {
      ran = { error };
    } finally {
      this.running.delete(run);
      await run
        .end()
        .catch((error: unknown) => this.logger.warn(`Job ${id}: last progress not saved: ${String(error)}`));
    }
    const verdict = verdictOf(run.stopReason, ran);
    if (verdict.kind === 'detached') {
      this.logger.warn(`Job ${id}: its record stopped being this run's (ended or re-queued elsewhere); run abandoned`);
      return 'skipped';
    }
    if (verdict.kind === 'interrupted')
      return this.handBack(
        job,
        token,
        `interrupted at "${run.stepName}" by a worker shutdown; resumes in another worker`,
      );
    if (verdict.kind === 'database') return this.waitForDatabase(job, token, verdict.message);
    try {
      return await this.conclude(job, record, verdict);
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
  private async waitForDatabase(job: Job<JobQueuePayload>, token: string | undefined, reason: string): Promise<never> {
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
  private async handBack(job: Job<JobQueuePayload>, token: string | undefined, message: string): Promise<never> {
    await this.jobs.returnToQueue(job.data.jobId, message);
    await job.moveToWait(token);
    this.logger.log(`Job ${job.data.jobId} ${message}`);
    throw new WaitingError();
  }

  private async conclude(
    job: Job<JobQueuePayload>,
    record: JobRecord,
    verdict: Exclude<Verdict, { kind: 'interrupted' | 'database' | 'detached' }>,
  ): Promise<JobStatus> {
    const attempt = job.attemptsMade + 1;
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    switch (verdict.kind) {
      case 'succeeded':
        return this.end(record, {
          status: 'succeeded',
          result: verdict.result,
          message: `succeeded: ${verdict.summary}`,
        });
      case 'partially_succeeded':
        return this.end(record, {
          status: 'partially_succeeded',
          result: verdict.result,
          errorCode: verdict.code,
          errorMessage: verdict.message,
          message: `partially succeeded: ${verdict.summary}`,
        });
      case 'cancelled':
        return this.end(record, {
          status: 'cancelled',
          result: verdict.result,
          errorCode: 'cancelled',
          errorMessage: 'Cancelled on request',
          message: 'cancelled while running',
        });
      case 'permanent':
        await this.end(record, {
          status: 'failed',
          result: verdict.result,
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
            result: verdict.result,
            errorCode: verdict.code,
            errorMessage: verdict.message,
            message: `partially succeeded after ${attempt} attempts`,
          });
        }
        await this.end(record, {
          status: 'failed',
          result: verdict.result,
          errorCode: verdict.code,
          errorMessage: verdict.message,
          message: `failed (${verdict.code}) after ${attempt} attempts`,
        });
        throw new Error(verdict.message);
    }
  }

  private async end(record: JobRecord, outcome: Parameters<JobLifecycle['finish']>[1]): Promise<JobStatus> {
    await this.lifecycle.finish(record, outcome);
    return outcome.status;
  }

  /** The row refused the run: cancelled or finished already. A cancel flagged on a live row ends it here. */
  private async skip(id: string): Promise<'skipped'> {
    const current = await this.jobs.findById(id);
    if (current && (current.status === 'queued' || current.status === 'running') && current.cancelRequestedAt) {
      await this.lifecycle.finish(current, {
        status: 'cancelled',
        errorCode: 'cancelled',
        errorMessage: 'Cancelled on request',
        message: 'cancelled before the attempt started',
      });
    }
    return 'skipped';
  }
}
