import { JOB_QUEUE } from '@app/common';
import { APP_CONFIG, AppConfig } from '@app/config';
import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { JobKinds } from './job-kinds';
import { JobLifecycle } from './job-lifecycle';
import { JobProcessor } from './job.processor';
import { JobReconciler } from './job-reconciler';
import { JOB_DURATION_METRIC, JOB_QUEUE_NAME, JOBS_TOTAL_METRIC } from './job.types';
import { JobsController } from './jobs.controllers';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';
import { QUEUE_DEPTH_METRIC, QueueMonitor } from './queue-monitor';
import { bullOptions } from './queue-options';

const METRICS: Provider[] = [
  makeCounterProvider({
    name: JOBS_TOTAL_METRIC,
    help: 'Jobs by type and the status they reached (queued on submit, then the final status)',
    labelNames: ['type', 'status'],
  }),
  makeHistogramProvider({
    name: JOB_DURATION_METRIC,
    help: 'Job duration in seconds, from the first start to the end, by type',
    labelNames: ['type'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
  }),
  makeGaugeProvider({
    name: QUEUE_DEPTH_METRIC,
    help: 'Jobs in the job queue by BullMQ state',
    labelNames: ['state'],
  }),
];

/**
 * The job records and the queue, and the enqueue port (`JOB_QUEUE`) over them. Features that start
 * work import this through their app (they never import the jobs library), and so does {@link JobsModule}.
 */
@Module({
  imports: [
    DiscoveryModule,
    BullModule.forRootAsync({ inject: [APP_CONFIG], useFactory: bullOptions }),
    BullModule.registerQueue({ name: JOB_QUEUE_NAME }),
  ],
  providers: [
    JobsRepository,
    JobKinds,
    JobLifecycle,
    JobsService,
    { provide: JOB_QUEUE, useExisting: JobsService },
    QueueMonitor,
    ...METRICS,
  ],
  exports: [JOB_QUEUE, JobsService, JobsRepository, JobLifecycle, JobKinds, BullModule],
})
export class JobQueueModule {}

/**
 * Durable jobs of every kind: rows in `jobs`, carried by one BullMQ queue, run by the handlers the
 * app's modules register (`@RegisterJobKind()`). The API mounts the jobs API and, when
 * JOBS_RUN_IN_API is true, the processor; the worker mounts the processor.
 */
@Module({})
export class JobsModule {
  static forApi(config: AppConfig): DynamicModule {
    return JobsModule.build(config.jobs.runInApi, true);
  }

  static forWorker(): DynamicModule {
    return JobsModule.build(true, false);
  }

  private static build(runProcessor: boolean, api: boolean): DynamicModule {
    return {
      module: JobsModule,
      imports: [JobQueueModule],
      controllers: api ? [JobsController] : [],
      providers: runProcessor ? [JobProcessor, JobReconciler] : [],
    };
  }
}
