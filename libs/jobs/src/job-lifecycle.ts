import { isParentKind, JobChild, JobSettlement } from '@app/common';
import { Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { Counter, Histogram } from 'prom-client';
import { JobKinds } from './job-kinds';
import { JOB_DURATION_METRIC, JobRecord, JOBS_TOTAL_METRIC } from './job.types';
import { JobOutcome, JobsRepository } from './jobs.repository';

/**
 * Every change of a job's status, in one place: the row's transition, its metric, its log line and
 * its parent's settlement. The service, the processor and the reconciler all end jobs through here.
 */
@Injectable()
export class JobLifecycle {
  private readonly logger = new Logger(JobLifecycle.name);

  constructor(
    private readonly repository: JobsRepository,
    private readonly kinds: JobKinds,
    @InjectMetric(JOBS_TOTAL_METRIC) private readonly total: Counter<'type' | 'status'>,
    @InjectMetric(JOB_DURATION_METRIC) private readonly duration: Histogram<'type'>,
  ) {}

  /** Counted once the row exists and (for a job with work) its queue entry too. */
  queued(job: JobRecord): void {
    this.total.inc({ type: job.type, status: 'queued' });
  }

  /** Ends a live job; answers the ended row, or null when it had ended already (nothing is counted then). */
  async finish(job: JobRecord, outcome: JobOutcome): Promise<JobRecord | null> {
    const ended = await this.repository.finish(job.id, outcome);
    if (ended) await this.ended(ended);
    return ended;
  }

  /** queued → cancelled; null when the job was no longer queued (a processor took it). */
  async cancelQueued(id: string): Promise<JobRecord | null> {
    const cancelled = await this.repository.cancelQueued(id);
    if (cancelled) await this.ended(cancelled);
    return cancelled;
  }

  /** A parent's queued children → cancelled; answers them (the parent is settled by the caller). */
  async cancelQueuedChildren(parentId: string): Promise<JobRecord[]> {
    const cancelled = await this.repository.cancelQueuedChildren(parentId);
    for (const child of cancelled) this.count(child);
    return cancelled;
  }

  /** Never queued after all: without a queue entry nothing would run the row, and it would hold its dedupe key forever. */
  async failUnqueued(job: JobRecord): Promise<void> {
    const ended = await this.repository.finish(job.id, {
      status: 'failed',
      errorCode: 'internal',
      errorMessage: 'Could not be queued',
      message: 'could not be queued',
    });
    if (ended) this.count(ended);
  }

  /**
   * Brings a parent up to date with its children (progress, step) through its kind, and ends it once
   * they have all ended. `ended`: this call ended it. Null: no such parent.
   */
  async refreshParent(parentId: string): Promise<{ job: JobRecord; ended: boolean } | null> {
    const refreshed = await this.repository.refreshParent(parentId, (type, children, cancelRequested) =>
      this.settlement(type, children, cancelRequested),
    );
    if (refreshed?.ended) this.count(refreshed.job);
    return refreshed;
  }

  /**
   * {@link refreshParent}, answering the parent as it now is. Every child's end calls it; the
   * reconciler calls it for a parent whose last update was missed.
   */
  async settleParent(parentId: string): Promise<JobRecord | null> {
    return (await this.refreshParent(parentId))?.job ?? null;
  }

  private settlement(type: string, children: JobChild[], cancelRequested: boolean): JobSettlement {
    const kind = this.kinds.get(type);
    if (!isParentKind(kind)) throw new Error(`Job kind ${type} has children but is no parent kind`);
    return kind.settle(children, cancelRequested);
  }

  private async ended(job: JobRecord): Promise<void> {
    this.count(job);
    if (!job.parentId) return;
    // Never throws: a missed update is the reconciler's to repair.
    try {
      await this.settleParent(job.parentId);
    } catch (error) {
      this.logger.warn(`Job ${job.parentId} not updated after its child ${job.id} ended: ${String(error)}`);
    }
  }

  /** The end's metric and log line (its status as the row now has it). */
  private count(job: JobRecord): void {
    this.total.inc({ type: job.type, status: job.status });
    if (job.startedAt) this.duration.observe({ type: job.type }, (Date.now() - job.startedAt.getTime()) / 1000);
    this.logger.log(`Job ${job.id} (${this.label(job)}) ${job.status}`);
  }

  /** `collect-day 2025-05-23 meet 3`: a job in a log line. */
  label(job: JobRecord): string {
    const kind = this.kinds.find(job.type);
    return kind ? kind.label(job.params) : job.type;
  }
}
