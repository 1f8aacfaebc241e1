import { isDatabaseUnavailable, JobFailureCode, JobReport } from '@app/common';
import { StopReason } from './job-run';

/** What a run's end means for the job and its queue entry. */
export type Verdict =
  | { kind: 'succeeded'; result: unknown; summary: string }
  | { kind: 'partially_succeeded'; result: unknown; summary: string; code: JobFailureCode; message: string }
  | { kind: 'cancelled'; result: unknown }
  /** The processor is shutting down: hand the job back to the queue, no attempt spent. */
  | { kind: 'interrupted' }
  /** The row stopped being this run's (ended or re-queued elsewhere): leave it alone. */
  | { kind: 'detached' }
  /** PostgreSQL is unavailable: try again later without spending an attempt (see JOBS_DATABASE_WAIT_MS). */
  | { kind: 'database'; message: string }
  /** Fail now: no BullMQ retry. */
  | { kind: 'permanent'; result: unknown; code: JobFailureCode; message: string }
  /** Throw so BullMQ retries with backoff; `partial` says work was stored should the retries run out. */
  | { kind: 'retry'; result: unknown; code: JobFailureCode; message: string; partial: boolean };

/**
 * The verdict on one run: a stop the mechanism asked for (its signal) outranks whatever the handler
 * answered; otherwise the handler's report decides, and an error that escaped the handler is ours
 * (the database, say): waited for when the database is away, retried otherwise.
 */
export function verdictOf(stop: StopReason | null, ran: { report: JobReport } | { error: unknown }): Verdict {
  const result = 'report' in ran ? ran.report.result : null;
  if (stop === 'cancel') return { kind: 'cancelled', result };
  if (stop === 'shutdown') return { kind: 'interrupted' };
  if (stop === 'detached') return { kind: 'detached' };
  if ('error' in ran) {
    const message = String(ran.error);
    return isDatabaseUnavailable(ran.error)
      ? { kind: 'database', message }
      : { kind: 'retry', result: null, code: 'internal', message, partial: false };
  }
  const report = ran.report;
  switch (report.outcome) {
    case 'succeeded':
      return { kind: 'succeeded', result, summary: report.summary };
    case 'partially_succeeded':
      return { ...report, kind: 'partially_succeeded' };
    case 'failed':
      if (report.code === 'database') return { kind: 'database', message: report.message };
      return report.retry
        ? { kind: 'retry', result, code: report.code, message: report.message, partial: report.partial }
        : { kind: 'permanent', result, code: report.code, message: report.message };
  }
}
