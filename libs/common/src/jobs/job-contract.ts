import { Injectable, SetMetadata, Type } from '@nestjs/common';
import type { JobDto } from './job.dto';

/**
 * The job contract: what a feature implements to run background work, and the port through which
 * it starts work. The jobs module implements the port and runs the handlers; it knows no feature,
 * and no feature knows it.
 */

export const JOB_STATUSES = ['queued', 'running', 'succeeded', 'partially_succeeded', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const FINAL_STATUSES: readonly JobStatus[] = ['succeeded', 'partially_succeeded', 'failed', 'cancelled'];

/** Why a job failed (or the first failure of a partial success). */
export const JOB_FAILURE_CODES = [
  'quota',
  'auth',
  'bad_request',
  'upstream',
  'transient',
  'database',
  'cancelled',
  'internal',
] as const;
export type JobFailureCode = (typeof JOB_FAILURE_CODES)[number];

/** What a handler's run is given. */
export interface JobContext<P> {
  readonly jobId: string;
  readonly params: P;
  /** 1 for the first attempt. */
  readonly attempt: number;
  /**
   * Aborted when the run must stop at its next step boundary: a cancel was requested, the process
   * is shutting down (the job resumes elsewhere), or the row stopped being this run's. The handler
   * stops and returns (or throws); the mechanism knows why, the handler need not.
   */
  readonly signal: AbortSignal;
  /** `done` of `total` in `step` (a name the kind's {@link JobHandler.steps} weighs). */
  readonly progress: (step: string, done: number, total: number) => void;
}

/** How a run ended, in the kind's own judgement. `result` is stored on the job and shown by the jobs API. */
export type JobReport<R = unknown> =
  | { outcome: 'succeeded'; result: R | null; summary: string }
  | { outcome: 'partially_succeeded'; result: R | null; summary: string; code: JobFailureCode; message: string }
  | {
      outcome: 'failed';
      result: R | null;
      code: JobFailureCode;
      message: string;
      /** Another attempt may help (transient trouble); false fails the job at once. */
      retry: boolean;
      /** Some work was stored: should the retries run out, the job partially succeeded. */
      partial: boolean;
    };

/** What every kind declares. */
interface JobKindBase<P> {
  /** The kind's name, as jobs are typed in the API and the metrics: `collect-day`. */
  readonly kind: string;
  /** The payload's class (class-validator rules): params are checked against it when work is enqueued. */
  readonly payload: Type<P>;
  /** Equal work, equal key: the same work for the same owner while it is live is one job. */
  dedupeKey(params: P): string;
  /** The job in a log line: `collect-day 2025-05-23 meet 3`. */
  label(params: P): string;
  /** Statuses a job of this kind may be retried from; failed and cancelled unless told. */
  readonly retryableFrom?: readonly JobStatus[];
}

/** A kind that does work of its own. */
export interface JobHandler<P = unknown, R = unknown> extends JobKindBase<P> {
  /** Relative weights of the steps the run reports, for one progress figure; equal weights unless told. */
  steps?(params: P): Record<string, number>;
  run(context: JobContext<P>): Promise<JobReport<R>>;
}

/** A job of a child kind, as its parent sees it. */
export interface JobChild {
  id: string;
  kind: string;
  params: unknown;
  status: JobStatus;
  errorCode: JobFailureCode | null;
}

/** A parent's children by status. */
export interface JobChildCounts {
  total: number;
  queued: number;
  running: number;
  succeeded: number;
  partiallySucceeded: number;
  failed: number;
  cancelled: number;
}

export function countChildren(children: readonly { status: JobStatus }[]): JobChildCounts {
  const count = (status: JobStatus): number => children.filter((child) => child.status === status).length;
  return {
    total: children.length,
    queued: count('queued'),
    running: count('running'),
    succeeded: count('succeeded'),
    partiallySucceeded: count('partially_succeeded'),
    failed: count('failed'),
    cancelled: count('cancelled'),
  };
}

/** Where a parent stands; `end` once every child has ended. */
export interface JobSettlement<R = unknown> {
  progress: number;
  step: string;
  end: {
    status: JobStatus;
    result: R;
    errorCode: JobFailureCode | null;
    errorMessage: string | null;
    message: string;
  } | null;
}

/**
 * A kind that fans out: submitting it creates the parent (running from the start, never queued)
 * and its children together; it does nothing itself and ends when its last child does.
 */
export interface ParentJobHandler<P = unknown, R = unknown> extends JobKindBase<P> {
  /** The children's work: at least one (a payload that yields none is a bad request). */
  children(params: P): { kind: string; params: unknown }[];
  /** The parent from its children; called after every child's end. */
  settle(children: readonly JobChild[], cancelRequested: boolean): JobSettlement<R>;
  /** The parent's first event: `started: 4 race day(s)`. */
  started(children: number): string;
}

export type JobKind = JobHandler | ParentJobHandler;

export const isParentKind = (kind: JobKind): kind is ParentJobHandler => 'children' in kind;

/** Marks a provider as a job kind; the jobs module finds every marked provider of the app and registers it. */
export const JOB_KIND = 'jobs:kind';
export const RegisterJobKind = (): ClassDecorator => (target) => {
  Injectable()(target);
  SetMetadata(JOB_KIND, true)(target);
};

/** A dedupe key owned by an API key (or the system): a key sees only its own jobs, so it never shares another's. */
export function ownedKey(key: string, owner: string | null): string {
  return `${key}:key=${owner ?? 'system'}`;
}

export interface EnqueueOptions {
  /** The API key the job belongs to; null: the system's. */
  owner?: string | null;
  /** The job this one runs again. */
  retryOf?: string | null;
}

/** The port features enqueue through (inject {@link JOB_QUEUE}). */
export interface JobQueue {
  /** The live job for this work if there is one, else a new queued job; `created` says which. */
  enqueue(kind: string, params: unknown, options?: EnqueueOptions): Promise<{ job: JobDto; created: boolean }>;
  /**
   * The job of a schedule slot (`entries:2025-06-20:2`), created by whichever replica fires the slot
   * first; null for every other replica and every later firing. Scheduled jobs belong to no key.
   */
  enqueueScheduled(kind: string, params: unknown, slot: string): Promise<JobDto | null>;
}

export const JOB_QUEUE = Symbol('JOB_QUEUE');
