import { APP_CONFIG, AppConfig } from '@app/config';
import { InjectQueue } from '@nestjs/bullmq';
import { ConflictException, Inject, Injectable, Logger, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Queue } from 'bullmq';
import type { Counter } from 'prom-client';
import { CollectInclude, COLLECTION_QUEUE, CollectionQueuePayload, CollectJobParams, JobRecord, JobRequester, JOBS_TOTAL_METRIC, JobStatus, JobType } from './job.types';
import { JobListFilter, JobsRepository } from './jobs.repository';

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
export function normaliseCollectParams(type: JobType, request: CollectRequest): CollectJobParams {
  const include = request.include;
  return {
    date: request.date,
    meet: request.meet,
    raceNos: request.raceNos?.length ? [...new Set(request.raceNos)].sort((a, b) => a - b) : null,
    // collect-day: cards plus details unless told otherwise; collect-results: cards plus results.
    details: include ? include.includes('details') : type === 'collect-day',
    results: type === 'collect-results' || (include?.includes('results') ?? false),
  };
}

/**
 * The same work for the same key while it is queued or running is one job. The key is part of it
 * because a key sees only its own jobs: sharing another key's job would hand out an id it cannot read.
 */
export function dedupeKey(type: JobType, params: CollectJobParams, apiKeyId: string | null): string {
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
  ) {}

  /** The live job for this work if there is one, else a new queued job. `created` says which. */
  async submit(type: JobType, request: CollectRequest, apiKeyId: string | null, retryOf: string | null = null): Promise<{ job: JobRecord; created: boolean }> {
    const params = normaliseCollectParams(type, request);
    const { job, created } = await this.repository.insertOrGetLive({ type, params, dedupeKey: dedupeKey(type, params, apiKeyId), apiKeyId, retryOf });
    if (!created) return { job, created };
    await this.enqueue(job);
    return { job, created };
  }

  /**
   * The job of a schedule slot (`entries:2025-06-20:2`), created by whichever replica fires the slot
   * first; null for every other replica and every later firing. Scheduled jobs belong to no key.
   */
  async submitScheduled(type: JobType, request: CollectRequest, scheduleSlot: string): Promise<JobRecord | null> {
    const params = normaliseCollectParams(type, request);
    const job = await this.repository.insertScheduled({ type, params, dedupeKey: dedupeKey(type, params, null), scheduleSlot });
    if (job) await this.enqueue(job);
    return job;
  }

  private async enqueue(job: JobRecord): Promise<void> {
    const type = job.type;
    try {
      await withTimeout(
        this.queue.add(type, { jobId: job.id }, {
          // The row's id: one BullMQ job per record, and Bull Board links straight to the row.
          jobId: job.id,
          attempts: this.config.jobs.attempts,
          backoff: { type: 'exponential', delay: this.config.jobs.backoffMs },
          // The row keeps the history; Redis keeps a bounded recent window for inspection.
          removeOnComplete: { age: 86_400, count: 1_000 },
          removeOnFail: { age: 7 * 86_400, count: 5_000 },
        }),
        QUEUE_ADD_TIMEOUT_MS,
      );
    } catch (error) {
      // Without a queue entry nothing would ever run the row, and it would hold the dedupe key forever.
      this.logger.error(`Could not queue job ${job.id}: ${String(error)}`);
      await this.repository.finish(job.id, { status: 'failed', errorCode: 'internal', errorMessage: 'Could not be queued', message: 'could not be queued' });
      this.total.inc({ type, status: 'failed' });
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

  list(filter: Omit<JobListFilter, 'apiKeyId'>, page: number, limit: number, requester: JobRequester): Promise<{ items: JobRecord[]; total: number }> {
    return this.repository.list({ ...filter, apiKeyId: requester.admin ? undefined : requester.apiKeyId }, page, limit);
  }

  /**
   * A queued job is cancelled at once and leaves the queue; a running one is flagged and stops at
   * its next step boundary (the answer then still says `running`, with `cancelRequestedAt` set).
   */
  async cancel(id: string, requester: JobRequester): Promise<JobRecord> {
    const job = await this.get(id, requester);
    if (job.status === 'queued') {
      const cancelled = await this.repository.cancelQueued(id);
      if (cancelled) {
        // Best effort: a processor that picks the job up anyway finds the row cancelled and skips it.
        await this.queue.remove(id).catch((error: unknown) => this.logger.warn(`Could not remove job ${id} from the queue: ${String(error)}`));
        this.total.inc({ type: job.type, status: 'cancelled' });
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
    const retryable: JobStatus[] = ['failed', 'cancelled'];
    if (!retryable.includes(job.status)) throw new ConflictException(`Only failed or cancelled jobs can be retried; job ${id} is ${job.status}`);
    const include: CollectInclude[] = [...(job.params.details ? ['details' as const] : []), ...(job.params.results ? ['results' as const] : [])];
    return this.submit(job.type, { date: job.params.date, meet: job.params.meet, raceNos: job.params.raceNos ?? undefined, include }, job.apiKeyId, job.id);
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
