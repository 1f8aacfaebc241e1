import { ReadinessChecks } from '@app/monitoring';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import type { Gauge } from 'prom-client';
import { JOB_QUEUE_NAME } from './job.types';

export const QUEUE_DEPTH_METRIC = 'jobs_queue_depth';
const QUEUE_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed', 'completed'] as const;
/** BullMQ's connections queue commands while Redis is away; a scrape must not wait for it. */
const SCRAPE_TIMEOUT_MS = 500;

/** The job queue in /health/ready and in /metrics (jobs by BullMQ state). */
@Injectable()
export class QueueMonitor implements OnModuleInit {
  constructor(
    @InjectQueue(JOB_QUEUE_NAME) private readonly queue: Queue,
    private readonly readiness: ReadinessChecks,
    @InjectMetric(QUEUE_DEPTH_METRIC) private readonly depth: Gauge<'state'>,
  ) {}

  onModuleInit(): void {
    this.readiness.register('queue', async () => {
      // The Redis backend's client is an ioredis connection; BullMQ's interface just does not list ping.
      const client = (await this.queue.getBackend().client) as unknown as Redis;
      await client.ping();
    });
    // prom-client calls collect() on every scrape.
    Object.assign(this.depth, { collect: () => this.measure() });
  }

  private async measure(): Promise<void> {
    const timeout = new Promise<undefined>((resolve) =>
      setTimeout(() => resolve(undefined), SCRAPE_TIMEOUT_MS).unref(),
    );
    const counts = await Promise.race([this.queue.getJobCounts(...QUEUE_STATES).catch(() => undefined), timeout]);
    if (!counts) return; // leave the last known values rather than fail the scrape
    for (const state of QUEUE_STATES) this.depth.set({ state }, counts[state] ?? 0);
  }
}
