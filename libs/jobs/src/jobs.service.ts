import { isRaceDayOver, raceDays } from '@app/calendar';
import { APP_CONFIG, AppConfig } from '@app/config';
import { InjectQueue } from '@nestjs/bullmq';
import {
  BadRequestException,
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import type { Counter, Histogram } from 'prom-client';
import { backfillDedupeKey, BackfillRequest, normaliseBackfillParams } from './backfill';
import {
  BackfillJobRecord,
  CollectInclude,
  COLLECTION_QUEUE,
  CollectionQueuePayload,
  CollectJobParams,
  CollectJobRecord,
  CollectJobType,
  JOB_DURATION_METRIC,
  jobLabel,
  JobRecord,
  JobRequester,
  JOBS_TOTAL_METRIC,
  JobStatus,
} from './job.types';
import { JobListFilter, JobsRepository } from './jobs.repository';
import { queueJobOptions, withTimeout } from './queue-options';

/** What a caller asks to collect, before normalisation. */
export interface CollectRequest {
  date: string;
  meet: number;
  raceNos?: number[];
  include?: CollectInclude[];
}

/** Adding to the queue waits for Redis; a request must not hang on an outage. */
const QUEUE_ADD_TIMEOUT_MS = 5_000;

/** Equal work, equal params: sorted race numbers, explicit flags, defaults per job type. */
export function normaliseCollectParams(type: CollectJobType, request: CollectRequest): CollectJobParams {
  const include = request.include;
  return {
    date: request.date,
    meet: request.meet,
    raceNos: request.raceNos?.length ? [...new Set(request.raceNos)].sort((a, b) => a - b) : null,
    // collect-day: cards plus details unless told otherwise, and results too for a day that is over;
    // collect-results: cards plus results.
    details: include ? include.includes('details') : type === 'collect-day',
    results: type === 'collect-results' || (include ? include.includes('results') : isRaceDayOver(request.date)),
  };
}

/**
 * The same work for the same key while it is queued or running is one job. The key is part of it
 * because a key sees only its own jobs: sharing another key's job would hand out an id it cannot read.
 */
export function dedupeKey(type: CollectJobType, params: CollectJobParams, apiKeyId: string | null): string {
  const races = params.raceNos?.join(',') ?? 'all';
  return `${type}:${params.date}:${params.meet}:${races}:details=${params.details}:results=${params.results}:key=${apiKeyId ?? 'system'}`;
}

@Injectable()
export class JobsService {
  private readonly logger = new Logger(JobsService.name);

  constructor(
    private readonly repository: JobsRepository,
    @InjectQueue(COLLECTION_QUEUE) private readonly queue: Queue<CollectionQueuePayload>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectMetric(JOBS_TOTAL_METRIC) private readonly total: Counter<'type' | 'status'>,
    @InjectMetric(JOB_DURATION_METRIC) private readonly duration: Histogram<'type'>,
  ) {}

  /** The live job for this work if there is one, else a new queued job. `created` says which. */
  async submit(
    type: CollectJobType,
    request: CollectRequest,
    apiKeyId: string | null,
    retryOf: string | null = null,
  ): Promise<{ job: CollectJobRecord; created: boolean }> {
    const params = normaliseCollectParams(type, request);
    const { job, created } = await this.repository.insertOrGetLive({
      type,
      params,
      dedupeKey: dedupeKey(type, params, apiKeyId),
      apiKeyId,
      retryOf,
    });
    if (!created) return { job, created };
    await this.enqueue(job);
    return { job, created };
  }

  /**
   * The job of a schedule slot (`entries:2025-06-20:2`), created by whichever replica fires the slot
   * first; null for every other replica and every later firing. Scheduled jobs belong to no key.
   */
  async submitScheduled(
    type: CollectJobType,
    request: CollectRequest,
    scheduleSlot: string,
  ): Promise<CollectJobRecord | null> {
    const params = normaliseCollectParams(type, request);
    const job = await this.repository.insertScheduled({
      type,
      params,
      dedupeKey: dedupeKey(type, params, null),
      scheduleSlot,
    });
    if (job) await this.enqueue(job);
    return job;
  }

  /**
   * A backfill: the parent (running from the start, never queued itself) and one collect-day job
   * per race day of `meets` in the range, created together, then queued. The same backfill for the
   * same key while it is live is returned instead. Children carry the parent's id in their dedupe
   * key, so they never merge with other jobs for the same day.
   */
  async submitBackfill(
    request: BackfillRequest,
    apiKeyId: string | null,
    retryOf: string | null = null,
  ): Promise<{ job: BackfillJobRecord; created: boolean }> {
    const params = normaliseBackfillParams(request);
    const days = raceDays(params.from, params.to, params.meets);
    if (days.length === 0) {
      throw new BadRequestException({
        message: 'Validation failed',
        details: [{ field: 'to', reason: `from..to holds no race day of meets ${params.meets.join(', ')}` }],
      });
    }
    const id = randomUUID();
    const children = days.map((day) => {
      const childParams = normaliseCollectParams('collect-day', day);
      return { params: childParams, dedupeKey: `${dedupeKey('collect-day', childParams, apiKeyId)}:parent=${id}` };
    });
    const inserted = await this.repository.insertBackfill({
      id,
      params,
      dedupeKey: backfillDedupeKey(params, apiKeyId),
      apiKeyId,
      retryOf,
      children,
    });
    if (!inserted.created) return { job: inserted.job, created: false };
    // Counted as submitted, like every job: `queued` on submit, then the final status.
    this.total.inc({ type: 'backfill', status: 'queued' });
    await this.enqueueChildren(inserted.job, inserted.children);
    return { job: inserted.job, created: true };
  }

  /**
   * Brings a backfill up to date with its children (progress, step) and ends it once they have all
   * ended. Every child's end calls it; the reconciler calls it for a parent whose last update was
   * missed. Answers the parent as it now is, or null when there is no such backfill.
   */
  async settleParent(parentId: string): Promise<BackfillJobRecord | null> {
    const refreshed = await this.repository.refreshBackfill(parentId);
    if (!refreshed) return null;
    const { job, ended } = refreshed;
    if (ended) {
      this.total.inc({ type: job.type, status: job.status });
      if (job.startedAt) this.duration.observe({ type: job.type }, (Date.now() - job.startedAt.getTime()) / 1000);
      this.logger.log(`Job ${job.id} (${jobLabel(job)}) ${job.status}`);
    }
    return job;
  }

  /** After a job ended: its backfill, if it has one, catches up. Never throws; a missed update is the reconciler's to repair. */
  async childEnded(child: JobRecord | null): Promise<void> {
    if (!child?.parentId) return;
    try {
      await this.settleParent(child.parentId);
    } catch (error) {
      this.logger.warn(`Backfill ${child.parentId} not updated after job ${child.id} ended: ${String(error)}`);
    }
  }

  /** The children of a new backfill, in one queue call; when that fails they fail, and so does the backfill. */
  private async enqueueChildren(parent: BackfillJobRecord, children: CollectJobRecord[]): Promise<void> {
    try {
      await withTimeout(
        this.queue.addBulk(
          children.map((child) => ({
            name: child.type,
            data: { jobId: child.id },
            opts: queueJobOptions(child.id, this.config),
          })),
        ),
        QUEUE_ADD_TIMEOUT_MS,
      );
    } catch (error) {
      this.logger.error(`Could not queue the ${children.length} job(s) of backfill ${parent.id}: ${String(error)}`);
      for (const child of children) await this.failUnqueued(child);
      await this.settleParent(parent.id);
      throw new ServiceUnavailableException('The job queue is unavailable; try again shortly');
    }
    for (const child of children) this.total.inc({ type: child.type, status: 'queued' });
  }

  /** Without a queue entry nothing would ever run the row, and it would hold the dedupe key forever. */
  private async failUnqueued(job: CollectJobRecord): Promise<void> {
    await this.repository.finish(job.id, {
      status: 'failed',
      errorCode: 'internal',
      errorMessage: 'Could not be queued',
      message: 'could not be queued',
    });
    this.total.inc({ type: job.type, status: 'failed' });
  }

  private async enqueue(job: CollectJobRecord): Promise<void> {
    const type = job.type;
    try {
      await withTimeout(
        this.queue.add(type, { jobId: job.id }, queueJobOptions(job.id, this.config)),
        QUEUE_ADD_TIMEOUT_MS,
      );
    } catch (error) {
      this.logger.error(`Could not queue job ${job.id}: ${String(error)}`);
      await this.failUnqueued(job);
      throw new ServiceUnavailableException('The job queue is unavailable; try again shortly');
    }
    this.total.inc({ type, status: 'queued' });
  }

  async get(id: string, requester: JobRequester): Promise<JobRecord> {
    const job = await this.repository.findById(id);
    // Another key's job is reported missing, not forbidden: its existence is not theirs to know.
    if (!job || (!requester.admin && job.apiKeyId !== requester.apiKeyId)) throw new NotFoundException(`No job ${id}`);
    return job;
  }

  list(
    filter: Omit<JobListFilter, 'apiKeyId'>,
    page: number,
    limit: number,
    requester: JobRequester,
  ): Promise<{ items: JobRecord[]; total: number }> {
    return this.repository.list({ ...filter, apiKeyId: requester.admin ? undefined : requester.apiKeyId }, page, limit);
  }

  /**
   * A queued job is cancelled at once and leaves the queue; a running one is flagged and stops at
   * its next step boundary (the answer then still says `running`, with `cancelRequestedAt` set).
   * A backfill: see {@link cancelBackfill}.
   */
  async cancel(id: string, requester: JobRequester): Promise<JobRecord> {
    const job = await this.get(id, requester);
    if (job.type === 'backfill') return this.cancelBackfill(job);
    if (job.status === 'queued') {
      const cancelled = await this.repository.cancelQueued(id);
      if (cancelled) {
        // Best effort: a processor that picks the job up anyway finds the row cancelled and skips it.
        await this.queue
          .remove(id)
          .catch((error: unknown) => this.logger.warn(`Could not remove job ${id} from the queue: ${String(error)}`));
        this.total.inc({ type: job.type, status: 'cancelled' });
        await this.childEnded(cancelled);
        return cancelled;
      }
    }
    const flagged = await this.repository.requestCancel(id);
    if (flagged) return flagged;
    const current = (await this.repository.findById(id)) ?? job;
    throw new ConflictException(`Job ${id} is already ${current.status}`);
  }

  /**
   * A failed or cancelled job runs again as a new record (`retryOf` links it), so each record tells
   * the story of one run and BullMQ never sees a reused job id. Dedupe applies: if the same work is
   * live already, that job is returned.
   */
  async retry(id: string, requester: JobRequester): Promise<{ job: JobRecord; created: boolean }> {
    const job = await this.get(id, requester);
    if (job.type === 'backfill') {
      // A backfill that collected only part of its days runs again whole: done days are cheap upserts.
      const again: JobStatus[] = ['failed', 'cancelled', 'partially_succeeded'];
      if (!again.includes(job.status))
        throw new ConflictException(
          `Only failed, partially succeeded or cancelled backfills can be retried; job ${id} is ${job.status}`,
        );
      return this.submitBackfill(job.params, job.apiKeyId, job.id);
    }
    const retryable: JobStatus[] = ['failed', 'cancelled'];
    if (!retryable.includes(job.status))
      throw new ConflictException(`Only failed or cancelled jobs can be retried; job ${id} is ${job.status}`);
    const include: CollectInclude[] = [
      ...(job.params.details ? ['details' as const] : []),
      ...(job.params.results ? ['results' as const] : []),
    ];
    return this.submit(
      job.type,
      { date: job.params.date, meet: job.params.meet, raceNos: job.params.raceNos ?? undefined, include },
      job.apiKeyId,
      job.id,
    );
  }

  /**
   * Flags the backfill, cancels its queued children at once (they leave the queue) and flags its
   * running ones. The backfill ends, `cancelled` unless every child succeeded anyway, when its
   * last child does: at once if none was running.
   */
  private async cancelBackfill(parent: BackfillJobRecord): Promise<JobRecord> {
    if (!(await this.repository.requestCancel(parent.id))) {
      const current = (await this.repository.findById(parent.id)) ?? parent;
      throw new ConflictException(`Job ${parent.id} is already ${current.status}`);
    }
    const cancelled = await this.repository.cancelQueuedChildren(parent.id);
    await Promise.all(
      cancelled.map((child) =>
        this.queue
          .remove(child.id)
          .catch((error: unknown) =>
            this.logger.warn(`Could not remove job ${child.id} from the queue: ${String(error)}`),
          ),
      ),
    );
    for (const child of cancelled) this.total.inc({ type: child.type, status: 'cancelled' });
    // After the queued ones: a child that went back to the queue in between is flagged here.
    await this.repository.requestCancelChildren(parent.id);
    await this.settleParent(parent.id);
    return (await this.repository.findById(parent.id)) ?? parent;
  }
}
