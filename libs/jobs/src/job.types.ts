import type { CollectionReport } from '@app/collection';

export const COLLECTION_QUEUE = 'collection';

/** The jobs the processor runs: one race day of one meet each. */
export const COLLECT_JOB_TYPES = ['collect-day', 'collect-results'] as const;
export type CollectJobType = (typeof COLLECT_JOB_TYPES)[number];
/** `backfill`: a parent over one collect-day job per race day; it is never queued and runs nothing itself. */
export const JOB_TYPES = [...COLLECT_JOB_TYPES, 'backfill'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'partially_succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'partially_succeeded', 'failed', 'cancelled'];

export const JOB_ERROR_CODES = [
  'quota',
  'auth',
  'bad_request',
  'upstream',
  'transient',
  'database',
  'cancelled',
  'internal',
] as const;
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

/** What a backfill covers, normalised: every race day from `from` to `to` (both `YYYY-MM-DD`) of `meets`. */
export interface BackfillJobParams {
  from: string;
  to: string;
  /** Sorted, unique. */
  meets: number[];
}

export type JobParams = CollectJobParams | BackfillJobParams;

/** A backfill's children by status. */
export interface JobChildCounts {
  total: number;
  queued: number;
  running: number;
  succeeded: number;
  partiallySucceeded: number;
  failed: number;
  cancelled: number;
}

/** The result of an ended backfill. */
export interface BackfillSummary {
  /** Race days (children) in all. */
  days: number;
  succeeded: number;
  partiallySucceeded: number;
  failed: number;
  cancelled: number;
  failedChildren: { id: string; date: string; meet: number; errorCode: JobErrorCode | null }[];
}

export interface JobEvent {
  at: string;
  message: string;
}

/** One row of `jobs`, as the service and the processor see it: a collection job or a backfill. */
export type JobRecord = CollectJobRecord | BackfillJobRecord;

export interface CollectJobRecord extends JobRecordBase {
  type: CollectJobType;
  params: CollectJobParams;
  result: CollectionReport | null;
}

export interface BackfillJobRecord extends JobRecordBase {
  type: 'backfill';
  params: BackfillJobParams;
  result: BackfillSummary | null;
}

interface JobRecordBase {
  id: string;
  dedupeKey: string;
  status: JobStatus;
  progress: number;
  step: string | null;
  attempts: number;
  errorCode: JobErrorCode | null;
  errorMessage: string | null;
  apiKeyId: string | null;
  retryOf: string | null;
  /** The backfill this job is one race day of. */
  parentId: string | null;
  /** A backfill's children by status, when read by id or listed; null otherwise. */
  children: JobChildCounts | null;
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
  /** When the job first found the database unavailable, in this episode (ms since the epoch). */
  databaseWaitSince?: number;
}

/** Kept in the row; older lines are dropped so a long retry story cannot grow the row without bound. */
export const MAX_JOB_EVENTS = 50;

export const JOBS_TOTAL_METRIC = 'jobs_total';
export const JOB_DURATION_METRIC = 'job_duration_seconds';

/** `collect-day 2025-05-23 meet 3`, `backfill 2025-05-01..2025-05-31 meets 1,3`: a job in a log line. */
export function jobLabel(job: JobRecord): string {
  return job.type === 'backfill'
    ? `${job.type} ${job.params.from}..${job.params.to} meets ${job.params.meets.join(',')}`
    : `${job.type} ${job.params.date} meet ${job.params.meet}`;
}
