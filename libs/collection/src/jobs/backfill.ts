import { countChildren, JobChildCounts, JobFailureCode, JobStatus } from '@app/common';

export { countChildren };

/** What a backfill covers, normalised: every race day from `from` to `to` (both `YYYY-MM-DD`) of `meets`. */
export interface BackfillJobParams {
  from: string;
  to: string;
  /** Sorted, unique. */
  meets: number[];
}

/** The result of an ended backfill. */
export interface BackfillSummary {
  /** Race days (children) in all. */
  days: number;
  succeeded: number;
  partiallySucceeded: number;
  failed: number;
  cancelled: number;
  failedChildren: { id: string; date: string; meet: number; errorCode: JobFailureCode | null }[];
}

/** Longest backfill, `from` and `to` included: a leap year fits. */
export const BACKFILL_MAX_DAYS = 366;
/** The meets that race, and a backfill's default. */
export const BACKFILL_MEETS: readonly number[] = [1, 2, 3];

/** What a caller asks to backfill, dates already normalised to `YYYY-MM-DD`. */
export interface BackfillRequest {
  from: string;
  to: string;
  meets?: number[];
}

/** Equal work, equal params: meets sorted and unique, all of them by default. */
export function normaliseBackfillParams(request: BackfillRequest): BackfillJobParams {
  const meets = request.meets?.length ? [...new Set(request.meets)].sort((a, b) => a - b) : [...BACKFILL_MEETS];
  return { from: request.from, to: request.to, meets };
}

/** Like a collection job's key: the same backfill for the same key while it is live is one backfill. */
export function backfillKey(params: BackfillJobParams): string {
  return `backfill:${params.from}:${params.to}:meets=${params.meets.join(',')}`;
}

/** One child of a backfill, as its parent's tally reads it. */
export interface BackfillChild {
  id: string;
  date: string;
  meet: number;
  status: JobStatus;
  errorCode: JobFailureCode | null;
}

/** Where a backfill stands; `end` is set once every child has ended. */
export interface BackfillTally {
  counts: JobChildCounts;
  progress: number;
  step: string;
  end: {
    status: JobStatus;
    result: BackfillSummary;
    errorCode: JobFailureCode | null;
    errorMessage: string | null;
    message: string;
  } | null;
}

/**
 * How a backfill ends once every child has: all succeeded → succeeded (even if a cancel came too
 * late to stop any); a cancel requested → cancelled; every child cancelled one by one → cancelled;
 * nothing collected (every child failed or cancelled) → failed; otherwise partially_succeeded.
 */
export function backfillStatus(counts: JobChildCounts, cancelRequested: boolean): JobStatus {
  if (counts.succeeded === counts.total) return 'succeeded';
  if (cancelRequested || counts.cancelled === counts.total) return 'cancelled';
  if (counts.succeeded + counts.partiallySucceeded === 0) return 'failed';
  return 'partially_succeeded';
}

/** The parent's progress (0–99 until it ends, then 100), step and, once every child has ended, its end. */
export function tallyBackfill(children: readonly BackfillChild[], cancelRequested: boolean): BackfillTally {
  const counts = countChildren(children);
  const done = counts.total - counts.queued - counts.running;
  const step = `${done}/${counts.total} race days done`;
  if (done < counts.total) return { counts, progress: Math.floor((99 * done) / counts.total), step, end: null };

  const status = backfillStatus(counts, cancelRequested);
  const failedChildren = children
    .filter((child) => child.status === 'failed')
    .map(({ id, date, meet, errorCode }) => ({ id, date, meet, errorCode }));
  const result: BackfillSummary = {
    days: counts.total,
    succeeded: counts.succeeded,
    partiallySucceeded: counts.partiallySucceeded,
    failed: counts.failed,
    cancelled: counts.cancelled,
    failedChildren,
  };
  const tally = `${counts.total} race day(s): ${counts.succeeded} succeeded, ${counts.partiallySucceeded} partially, ${counts.failed} failed, ${counts.cancelled} cancelled`;
  const firstProblem =
    children.find((child) => child.status === 'failed') ??
    children.find((child) => child.status === 'partially_succeeded');
  const [errorCode, errorMessage]: [JobFailureCode | null, string | null] =
    status === 'succeeded'
      ? [null, null]
      : status === 'cancelled'
        ? ['cancelled', cancelRequested ? 'Cancelled on request' : 'Every race day was cancelled']
        : [
            firstProblem?.errorCode ?? 'internal',
            `${counts.failed + counts.partiallySucceeded} of ${counts.total} race days did not fully succeed`,
          ];
  return {
    counts,
    progress: 100,
    step,
    end: { status, result, errorCode, errorMessage, message: `${status.replace('_', ' ')}: ${tally}` },
  };
}
