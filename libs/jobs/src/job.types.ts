import type { CollectionReport } from '@app/collection';

export const COLLECTION_QUEUE = 'collection';

export const JOB_TYPES = ['collect-day', 'collect-results'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'partially_succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
/** The statuses in which a job still holds its dedupe key (mirrors the partial unique index). */
export const LIVE_STATUSES: readonly JobStatus[] = ['queued', 'running'];
export const FINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'partially_succeeded', 'failed', 'cancelled'];

export const JOB_ERROR_CODES = ['quota', 'auth', 'bad_request', 'upstream', 'transient', 'cancelled', 'internal'] as const;
export type JobErrorCode = (typeof JOB_ERROR_CODES)[number];

export const COLLECT_INCLUDES = ['details', 'results'] as const;
export type CollectInclude = (typeof COLLECT_INCLUDES)[number];

/** What a job collects, normalised: equal work has equal params and so one dedupe key. */
export interface CollectJobParams {
  date: string;
  meet: number;
  /** Sorted, unique; null: every race of the day. */
  raceNos: number[] | null;
  details: boolean;
  results: boolean;
}

export interface JobEvent {
  at: string;
  message: string;
}

/** One row of `jobs`, as the service and the processor see it. */
export interface JobRecord {
  id: string;
  type: JobType;
  params: CollectJobParams;
  dedupeKey: string;
  status: JobStatus;
  progress: number;
  step: string | null;
  attempts: number;
  result: CollectionReport | null;
  errorCode: JobErrorCode | null;
  errorMessage: string | null;
  apiKeyId: string | null;
  retryOf: string | null;
  cancelRequestedAt: Date | null;
  events: JobEvent[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** Who asks: their own jobs only, unless they hold `admin`. */
export interface JobRequester {
  apiKeyId: string | null;
  admin: boolean;
}

/** What travels in the BullMQ job: only the id; the row holds the rest, so the two cannot disagree. */
export interface CollectionQueuePayload {
  jobId: string;
}

/** Kept in the row; older lines are dropped so a long retry story cannot grow the row without bound. */
export const MAX_JOB_EVENTS = 50;

export const JOBS_TOTAL_METRIC = 'jobs_total';
export const JOB_DURATION_METRIC = 'job_duration_seconds';
