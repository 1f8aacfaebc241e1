import { JobFailureCode, JobReport } from '@app/common';
import {
  KraAuthError,
  KraBadRequestError,
  KraQuotaExceededError,
  KraTransientError,
  KraUpstreamError,
} from '@app/kra-client';
import { CollectionFailure, CollectionReport } from '../collection-report';
import { DATABASE_UNAVAILABLE } from '../collection.service';

/** The report keeps error class names, not instances: map both by name. */
const CODE_BY_ERROR_NAME: Record<string, JobFailureCode> = {
  [KraQuotaExceededError.name]: 'quota',
  [KraAuthError.name]: 'auth',
  [KraBadRequestError.name]: 'bad_request',
  [KraUpstreamError.name]: 'upstream',
  [KraTransientError.name]: 'transient',
  [DATABASE_UNAVAILABLE]: 'database',
};

/** Retrying cannot help these before the quota resets or someone fixes the key or the request. */
const PERMANENT_CODES: ReadonlySet<JobFailureCode> = new Set(['quota', 'auth', 'bad_request']);

export function errorCodeOf(error: unknown): JobFailureCode {
  const name = typeof error === 'string' ? error : error instanceof Error ? error.name : '';
  return CODE_BY_ERROR_NAME[name] ?? 'internal';
}

export type CollectVerdict =
  | { kind: 'succeeded' }
  | { kind: 'partially_succeeded'; message: string }
  /** PostgreSQL is unavailable: the job waits for it (see JOBS_DATABASE_WAIT_MS). */
  | { kind: 'database'; message: string }
  /** Fail now: no BullMQ retry. */
  | { kind: 'permanent'; code: JobFailureCode; message: string }
  /** Throw so BullMQ retries with backoff; `partial` says data was stored should the retries run out. */
  | { kind: 'retry'; code: JobFailureCode; message: string; partial: boolean };

/**
 * What a finished engine run means for its job. The engine reports failures per race and entity
 * instead of throwing, so the job's fate is read off the report:
 * - no failures: succeeded;
 * - every failure transient: retried;
 * - the day itself failed (no cards stored): retried if transient or unknown, else failed at once;
 * - nothing stored and every failure a quota/auth/bad-request error: failed at once (retrying burns
 *   quota for nothing);
 * - otherwise some data is in (say the cards, before the quota ran out on the details): partially_succeeded.
 */
export function judgeReport(report: CollectionReport): CollectVerdict {
  if (report.ok) return { kind: 'succeeded' };
  const failures = report.failures;
  const codes = failures.map((failure) => errorCodeOf(failure.error));
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

/** The engine's report as the job contract reports a run. */
export function toJobReport(report: CollectionReport): JobReport<CollectionReport> {
  const summary = `${report.races.length} race(s), ${report.failures.length} failure(s)`;
  const verdict = judgeReport(report);
  switch (verdict.kind) {
    case 'succeeded':
      return { outcome: 'succeeded', result: report, summary };
    case 'partially_succeeded':
      return {
        outcome: 'partially_succeeded',
        result: report,
        summary,
        code: errorCodeOf(report.failures[0]?.error ?? ''),
        message: verdict.message,
      };
    case 'database':
      return {
        outcome: 'failed',
        result: report,
        code: 'database',
        message: verdict.message,
        retry: true,
        partial: false,
      };
    case 'permanent':
      return {
        outcome: 'failed',
        result: report,
        code: verdict.code,
        message: verdict.message,
        retry: false,
        partial: false,
      };
    case 'retry':
      return {
        outcome: 'failed',
        result: report,
        code: verdict.code,
        message: verdict.message,
        retry: true,
        partial: verdict.partial,
      };
  }
}
