import { AppConfig } from '@app/config';
import type { JobsOptions, QueueOptions } from 'bullmq';

/**
 * BullMQ's own connections: blocking commands need `maxRetriesPerRequest: null`, and BullMQ refuses
 * ioredis' `keyPrefix`, so the deployment's prefix goes into BullMQ's `prefix` instead.
 */
export function bullOptions(config: AppConfig): QueueOptions {
  return {
    connection: { url: config.redis.url, maxRetriesPerRequest: null, connectionName: 'bullmq' },
    prefix: `${config.redis.keyPrefix}bull`,
  };
}

/** How a job row travels through the queue: the same for a submit, a bulk submit and a repair. */
export function queueJobOptions(jobId: string, config: AppConfig): JobsOptions {
  return {
    // The row's id: one BullMQ job per record, and Bull Board links straight to the row.
    jobId,
    attempts: config.jobs.attempts,
    backoff: { type: 'exponential', delay: config.jobs.backoffMs },
    // The row keeps the history; Redis keeps a bounded recent window for inspection.
    removeOnComplete: { age: 86_400, count: 1_000 },
    removeOnFail: { age: 7 * 86_400, count: 5_000 },
  };
}

/** Queue commands wait for Redis to come back (BullMQ needs that); callers that must not hang bound them. */
export function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
