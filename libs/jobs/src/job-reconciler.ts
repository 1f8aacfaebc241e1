import { APP_CONFIG, AppConfig } from '@app/config';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { JobLifecycle } from './job-lifecycle';
import { JOB_QUEUE_NAME, JobQueuePayload, JobRecord } from './job.types';
import { JobsRepository } from './jobs.repository';
import { queueJobOptions, withTimeout } from './queue-options';

/** A queued row younger than this may be a submit whose queue entry is being added right now. */
const QUEUED_GRACE_MS = 10_000;
/** A queue command that takes longer means Redis is away: the pass gives up and the next one retries. */
const QUEUE_COMMAND_TIMEOUT_MS = 5_000;

/** What one pass did, for logs and tests. */
export interface ReconcileSummary {
  checked: number;
  requeued: string[];
  failed: string[];
}

/**
 * Repairs job rows that no queue entry will ever move again, at every start of a processor and then
 * every JOBS_RECONCILE_INTERVAL_MS:
 * - the entry is gone (Redis restarted without persistence, or was flushed): the job goes back on
 *   the queue under the same id, without spending an attempt;
 * - the entry ended while the row is live (BullMQ gave up on a job that stalled too often): the row
 *   fails with the queue's reason.
 * Entries that are waiting, delayed or active are BullMQ's to move (an active one whose worker
 * died comes back through the stalled check), and a running row is touched only once its
 * processor has been silent for longer than a lock lasts. Parents whose children have all
 * ended are settled. One process reconciles at a time. Nothing here depends on a job's kind.
 */
@Injectable()
export class JobReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JobReconciler.name);
  private timer?: NodeJS.Timeout;
  private pass: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly jobs: JobsRepository,
    private readonly lifecycle: JobLifecycle,
    @InjectQueue(JOB_QUEUE_NAME) private readonly queue: Queue<JobQueuePayload>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(0);
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.pass;
  }

  /** One repair pass; null when another process holds the reconcile lock. */
  async reconcile(): Promise<ReconcileSummary | null> {
    const summary: ReconcileSummary = { checked: 0, requeued: [], failed: [] };
    const ran = await this.jobs.withReconcileLock(async () => {
      for (const job of await this.jobs.liveForRepair(QUEUED_GRACE_MS, this.config.jobs.lockMs)) {
        summary.checked += 1;
        await this.repair(job, summary);
      }
      // A parent whose last child's update of it was lost (its process died in between).
      for (const id of await this.jobs.unsettledParentIds()) await this.lifecycle.settleParent(id);
    });
    if (summary.requeued.length + summary.failed.length > 0) {
      this.logger.warn(
        `Reconciled jobs: ${summary.requeued.length} re-queued, ${summary.failed.length} failed (of ${summary.checked} checked)`,
      );
    }
    return ran ? summary : null;
  }

  private async repair(job: JobRecord, summary: ReconcileSummary): Promise<void> {
    const state = await withTimeout(this.queue.getJobState(job.id), QUEUE_COMMAND_TIMEOUT_MS);
    if (state === 'unknown') {
      // The row first: once the entry is back, a processor may start the job at once, and a later
      // write to the row would undo its start.
      await this.jobs.returnToQueue(job.id, `re-queued: its queue entry was lost (was ${job.status})`);
      await withTimeout(
        this.queue.add(job.type, { jobId: job.id }, queueJobOptions(job.id, this.config)),
        QUEUE_COMMAND_TIMEOUT_MS,
      );
      summary.requeued.push(job.id);
      return;
    }
    if (state === 'completed' || state === 'failed') {
      const entry = await withTimeout(this.queue.getJob(job.id), QUEUE_COMMAND_TIMEOUT_MS);
      const reason = entry?.failedReason || `the queue entry ${state} without the job ending`;
      // The queue's own count: runs that failed while the database was away never reached the row.
      const ended = await this.lifecycle.finish(job, {
        status: 'failed',
        errorCode: /database/i.test(reason) ? 'database' : 'internal',
        errorMessage: reason,
        message: `failed by the reconciler: ${reason}`,
        attempts: entry?.attemptsMade,
      });
      if (ended) summary.failed.push(job.id);
    }
  }

  /** Passes never overlap; a failed pass (Redis or Postgres down) is logged and the next one tries again. */
  private schedule(delayMs: number): void {
    this.timer = setTimeout(() => {
      this.pass = this.reconcile()
        .catch((error: unknown) => this.logger.warn(`Job reconciliation failed: ${String(error)}`))
        .finally(() => {
          if (this.timer) this.schedule(this.config.jobs.reconcileIntervalMs);
        });
    }, delayMs);
    this.timer.unref();
  }
}
