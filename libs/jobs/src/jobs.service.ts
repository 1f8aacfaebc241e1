import {
  EnqueueOptions,
  isParentKind,
  JobDto,
  JobKind,
  JobQueue,
  JobStatus,
  ownedKey,
  ParentJobHandler,
} from '@app/common';
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
import { Queue } from 'bullmq';
import { randomUUID } from 'node:crypto';
import { toJob } from './job-mappers';
import { JobKinds } from './job-kinds';
import { JobLifecycle } from './job-lifecycle';
import { JOB_QUEUE_NAME, JobQueuePayload, JobRecord } from './job.types';
import { JobListFilter, JobsRepository } from './jobs.repository';
import { queueJobOptions, withTimeout } from './queue-options';

/** Who asks: their own jobs only, unless they hold `admin`. */
export interface JobRequester {
  apiKeyId: string | null;
  admin: boolean;
}

/** Adding to the queue waits for Redis; a request must not hang on an outage. */
const QUEUE_ADD_TIMEOUT_MS = 5_000;
const RETRYABLE_BY_DEFAULT: readonly JobStatus[] = ['failed', 'cancelled'];

/**
 * Jobs of every kind: the enqueue port features submit work through, and what the jobs API reads,
 * cancels and retries. Kinds are the registered handlers ({@link JobKinds}); nothing here knows one.
 */
@Injectable()
export class JobsService implements JobQueue {
  private readonly logger = new Logger(JobsService.name);

  constructor(
    private readonly repository: JobsRepository,
    private readonly lifecycle: JobLifecycle,
    private readonly kinds: JobKinds,
    @InjectQueue(JOB_QUEUE_NAME) private readonly queue: Queue<JobQueuePayload>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async enqueue(
    kindName: string,
    params: unknown,
    options: EnqueueOptions = {},
  ): Promise<{ job: JobDto; created: boolean }> {
    const { job, created } = await this.submit(kindName, params, options.owner ?? null, options.retryOf ?? null);
    return { job: toJob(job), created };
  }

  async enqueueScheduled(kindName: string, params: unknown, slot: string): Promise<JobDto | null> {
    const kind = this.checked(kindName, params);
    const job = await this.repository.insertScheduled({
      type: kind.kind,
      params,
      dedupeKey: ownedKey(kind.dedupeKey(params), null),
      scheduleSlot: slot,
    });
    if (!job) return null;
    await this.add([job]);
    return toJob(job);
  }

  /** The live job for this work if there is one, else a new queued job (a parent with its children). */
  async submit(
    kindName: string,
    params: unknown,
    owner: string | null,
    retryOf: string | null = null,
  ): Promise<{ job: JobRecord; created: boolean }> {
    const kind = this.checked(kindName, params);
    if (isParentKind(kind)) return this.submitParent(kind, params, owner, retryOf);
    const { job, created } = await this.repository.insertOrGetLive({
      type: kind.kind,
      params,
      dedupeKey: ownedKey(kind.dedupeKey(params), owner),
      apiKeyId: owner,
      retryOf,
    });
    if (created) await this.add([job]);
    return { job, created };
  }

  /**
   * A parent (running from the start, never queued itself) and its children, created together,
   * then queued. Children carry the parent's id in their dedupe key, so they never merge with other
   * jobs doing the same work.
   */
  private async submitParent(
    kind: ParentJobHandler,
    params: unknown,
    owner: string | null,
    retryOf: string | null,
  ): Promise<{ job: JobRecord; created: boolean }> {
    const id = randomUUID();
    const children = kind.children(params).map((child) => {
      const childKind = this.checked(child.kind, child.params);
      return {
        type: childKind.kind,
        params: child.params,
        dedupeKey: `${ownedKey(childKind.dedupeKey(child.params), owner)}:parent=${id}`,
      };
    });
    if (children.length === 0) throw new Error(`Job kind ${kind.kind} made no children`);
    const queued = children.map((child) => ({
      ...child,
      id: '',
      kind: child.type,
      status: 'queued' as const,
      errorCode: null,
    }));
    const inserted = await this.repository.insertParent({
      id,
      type: kind.kind,
      params,
      dedupeKey: ownedKey(kind.dedupeKey(params), owner),
      apiKeyId: owner,
      retryOf,
      step: kind.settle(queued, false).step,
      started: kind.started(children.length),
      children,
    });
    if (!inserted.created) return { job: inserted.job, created: false };
    this.lifecycle.queued(inserted.job);
    try {
      await this.add(inserted.children);
    } catch (error) {
      // A parent whose children could not be queued ends with them.
      await this.lifecycle.settleParent(id);
      throw error;
    }
    return { job: inserted.job, created: true };
  }

  /** The kind, with the params checked against its payload. */
  private checked(kindName: string, params: unknown): JobKind {
    const kind = this.kinds.get(kindName);
    this.kinds.validate(kind, params);
    return kind;
  }

  /** Queue entries for new rows, in one call; when that fails the rows fail (and so does their parent). */
  private async add(jobs: JobRecord[]): Promise<void> {
    try {
      await withTimeout(
        this.queue.addBulk(
          jobs.map((job) => ({ name: job.type, data: { jobId: job.id }, opts: queueJobOptions(job.id, this.config) })),
        ),
        QUEUE_ADD_TIMEOUT_MS,
      );
    } catch (error) {
      this.logger.error(`Could not queue ${jobs.map((job) => `job ${job.id}`).join(', ')}: ${String(error)}`);
      for (const job of jobs) await this.lifecycle.failUnqueued(job);
      throw new ServiceUnavailableException('The job queue is unavailable; try again shortly');
    }
    for (const job of jobs) this.lifecycle.queued(job);
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
    if (filter.type !== undefined) this.kinds.get(filter.type);
    return this.repository.list({ ...filter, apiKeyId: requester.admin ? undefined : requester.apiKeyId }, page, limit);
  }

  /**
   * A queued job is cancelled at once and leaves the queue; a running one is flagged and stops at
   * its next step boundary (the answer then still says `running`, with `cancelRequestedAt` set).
   * A parent: see {@link cancelParent}.
   */
  async cancel(id: string, requester: JobRequester): Promise<JobRecord> {
    const job = await this.get(id, requester);
    if (job.children) return this.cancelParent(job);
    if (job.status === 'queued') {
      const cancelled = await this.lifecycle.cancelQueued(id);
      if (cancelled) {
        await this.removeEntries([cancelled]);
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
   * live already, that job is returned. A kind may allow more statuses (a backfill that collected
   * only part of its days runs again whole).
   */
  async retry(id: string, requester: JobRequester): Promise<{ job: JobRecord; created: boolean }> {
    const job = await this.get(id, requester);
    const kind = this.kinds.find(job.type);
    const retryable = kind?.retryableFrom ?? RETRYABLE_BY_DEFAULT;
    if (!retryable.includes(job.status)) {
      const statuses = retryable.map((status) => status.replace('_', ' '));
      const listed = `${statuses.slice(0, -1).join(', ')} or ${statuses[statuses.length - 1]}`;
      throw new ConflictException(
        `Only ${listed} ${job.children ? `${job.type}s` : 'jobs'} can be retried; job ${id} is ${job.status}`,
      );
    }
    if (!kind) throw new BadRequestException(`This service runs no ${job.type} jobs any more`);
    return this.submit(job.type, job.params, job.apiKeyId, job.id);
  }

  /**
   * Flags the parent, cancels its queued children at once (they leave the queue) and flags its
   * running ones. The parent ends, `cancelled` unless every child succeeded anyway, when its last
   * child does: at once if none was running.
   */
  private async cancelParent(parent: JobRecord): Promise<JobRecord> {
    if (!(await this.repository.requestCancel(parent.id))) {
      const current = (await this.repository.findById(parent.id)) ?? parent;
      throw new ConflictException(`Job ${parent.id} is already ${current.status}`);
    }
    await this.removeEntries(await this.lifecycle.cancelQueuedChildren(parent.id));
    // After the queued ones: a child that went back to the queue in between is flagged here.
    await this.repository.requestCancelChildren(parent.id);
    await this.lifecycle.settleParent(parent.id);
    return (await this.repository.findById(parent.id)) ?? parent;
  }

  /** Best effort: a processor that picks a cancelled job up anyway finds the row cancelled and skips it. */
  private async removeEntries(jobs: JobRecord[]): Promise<void> {
    await Promise.all(
      jobs.map((job) =>
        this.queue
          .remove(job.id)
          .catch((error: unknown) =>
            this.logger.warn(`Could not remove job ${job.id} from the queue: ${String(error)}`),
          ),
      ),
    );
  }
}
