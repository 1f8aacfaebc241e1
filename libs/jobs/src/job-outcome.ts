import { CollectionFailure, CollectionReport, DATABASE_UNAVAILABLE } from '@app/collection';
import {
  KraAuthError,
  KraBadRequestError,
  KraQuotaExceededError,
  KraTransientError,
  KraUpstreamError,
} from '@app/kra-client';
import { JobErrorCode } from './job.types';

/** Thrown from the engine's progress callback to stop a job whose cancel was requested. */
export class JobCancelledError extends Error {
  constructor() {
    super('Cancelled on request');
    this.name = 'JobCancelledError';
  }
}

/** Thrown from the engine's progress callback when the processor shuts down: the job is handed back, not ended. */
export class JobInterruptedError extends Error {
  constructor() {
    super('Interrupted by a worker shutdown');
    this.name = 'JobInterruptedError';
  }
}

/** The report keeps error class names, not instances: map both by name. */
const CODE_BY_ERROR_NAME: Record<string, JobErrorCode> = {
  [KraQuotaExceededError.name]: 'quota',
  [KraAuthError.name]: 'auth',
  [KraBadRequestError.name]: 'bad_request',
  [KraUpstreamError.name]: 'upstream',
  [KraTransientError.name]: 'transient',
  [JobCancelledError.name]: 'cancelled',
  [DATABASE_UNAVAILABLE]: 'database',
};

/** Retrying cannot help these before the quota resets or someone fixes the key or the request. */
const PERMANENT_CODES: ReadonlySet<JobErrorCode> = new Set(['quota', 'auth', 'bad_request']);

export function errorCodeOf(error: unknown): JobErrorCode {
  const name = typeof error === 'string' ? error : error instanceof Error ? error.name : '';
  return CODE_BY_ERROR_NAME[name] ?? 'internal';
}

export type Verdict =
  | { kind: 'succeeded' }
  | { kind: 'partially_succeeded'; message: string }
  | { kind: 'cancelled' }
  /** The processor is shutting down: hand the job back to the queue, no attempt spent. */
  | { kind: 'interrupted' }
  /** PostgreSQL is unavailable: try again later without spending an attempt (see JOBS_DATABASE_WAIT_MS). */
  | { kind: 'database'; message: string }
  /** Fail now: no BullMQ retry. */
  | { kind: 'permanent'; code: JobErrorCode; message: string }
  /** Throw so BullMQ retries with backoff; `partial` says data was stored should the retries run out. */
  | { kind: 'retry'; code: JobErrorCode; message: string; partial: boolean };

/**
 * What a finished engine run means for the job. The engine reports failures per race and entity
 * instead of throwing, so the job's fate is read off the report:
 * - no failures: succeeded;
 * - every failure transient: retried;
 * - the day itself failed (no cards stored): retried if transient or unknown, else failed at once;
 * - nothing stored and every failure a quota/auth/bad-request error: failed at once (retrying burns
 *   quota for nothing);
 * - otherwise some data is in (say the cards, before the quota ran out on the details): partially_succeeded.
 */
export function judgeReport(report: CollectionReport): Verdict {
  if (report.ok) return { kind: 'succeeded' };
  const failures = report.failures;
  const codes = failures.map((failure) => errorCodeOf(failure.error));
  if (codes.includes('cancelled')) return { kind: 'cancelled' };
  const message = summarise(failures);
  if (codes.every((code) => code === 'database')) return { kind: 'database', message };
  const day = failures.find((failure) => failure.scope === 'day');
  const stored = !day && report.races.length > 0;
  if (codes.every((code) => code === 'transient'))
    return { kind: 'retry', code: 'transient', message, partial: stored };
  if (day) {
    const code = errorCodeOf(day.error);
    return code === 'transient' || code === 'internal'
      ? { kind: 'retry', code, message, partial: false }
      : { kind: 'permanent', code, message };
  }
  if (!stored) return { kind: 'permanent', code: codes.find((code) => PERMANENT_CODES.has(code)) ?? codes[0], message };
  return { kind: 'partially_succeeded', message };
}

function summarise(failures: CollectionFailure[]): string {
  const [first] = failures;
  const more = failures.length > 1 ? ` (and ${failures.length - 1} more failure${failures.length > 2 ? 's' : ''})` : '';
  return `${first.scope}: ${first.reason}${more}`;
}
