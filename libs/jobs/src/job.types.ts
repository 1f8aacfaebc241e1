import type { JobChildCounts, JobFailureCode, JobStatus } from '@app/common';

export { FINAL_STATUSES, JOB_FAILURE_CODES, JOB_STATUSES } from '@app/common';
export type { JobChildCounts, JobFailureCode, JobStatus } from '@app/common';

/**
 * One queue carries every kind (the BullMQ job's name is the kind): one worker pool, one set of
 * limits, one place for the reconciler and the dashboard to look. Its name predates the other
 * kinds; renaming it would strand the entries an older version queued.
 */
export const JOB_QUEUE_NAME = 'collection';

export interface JobEvent {
  at: string;
  message: string;
}

/** One row of `jobs`, whatever its kind: `params` and `result` are the kind's. */
export interface JobRecord {
  id: string;
  type: string;
  params: unknown;
  result: unknown;
  dedupeKey: string;
  status: JobStatus;
  progress: number;
  step: string | null;
  attempts: number;
  errorCode: JobFailureCode | null;
  errorMessage: string | null;
  apiKeyId: string | null;
  retryOf: string | null;
  /** The parent (a backfill, say) this job is one child of. */
  parentId: string | null;
  /** A parent's children by status, when read by id or listed; null otherwise and for jobs without children. */
  children: JobChildCounts | null;
  cancelRequestedAt: Date | null;
  events: JobEvent[];
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** What travels in the BullMQ job: only the id; the row holds the rest, so the two cannot disagree. */
export interface JobQueuePayload {
  jobId: string;
  /** When the job first found the database unavailable, in this episode (ms since the epoch). */
  databaseWaitSince?: number;
}

/** Kept in the row; older lines are dropped so a long retry story cannot grow the row without bound. */
export const MAX_JOB_EVENTS = 50;

export const JOBS_TOTAL_METRIC = 'jobs_total';
export const JOB_DURATION_METRIC = 'job_duration_seconds';
