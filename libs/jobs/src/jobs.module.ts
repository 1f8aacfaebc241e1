import { CollectionModule } from '@app/collection';
import { APP_CONFIG, AppConfig } from '@app/config';
import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import { CollectionJobProcessor } from './collection-job.processor';
import { JobReconciler } from './job-reconciler';
import { CollectionScheduler } from './collection-scheduler';
import { COLLECTION_QUEUE, JOB_DURATION_METRIC, JOBS_TOTAL_METRIC } from './job.types';
import {
  BackfillController,
  CollectionJobsController,
  JobsController,
  LegacyCollectController,
} from './jobs.controllers';
import { JobsRepository } from './jobs.repository';
import { JobsService } from './jobs.service';
import { QUEUE_DEPTH_METRIC, QueueMonitor } from './queue-monitor';
import { bullOptions } from './queue-options';

const METRICS: Provider[] = [
  makeCounterProvider({
    name: JOBS_TOTAL_METRIC,
    help: 'Collection jobs by type and the status they reached (queued on submit, then the final status)',
    labelNames: ['type', 'status'],
  }),
  makeHistogramProvider({
    name: JOB_DURATION_METRIC,
    help: 'Collection job duration in seconds, from the first start to the end, by type',
    labelNames: ['type'],
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600],
  }),
  makeGaugeProvider({
    name: QUEUE_DEPTH_METRIC,
    help: 'Jobs in the collection queue by BullMQ state',
    labelNames: ['state'],
  }),
];

/**
 * Durable collection jobs: rows in `jobs`, carried by the BullMQ queue `collection`. The API mounts
 * the routes and, when JOBS_RUN_IN_API is true, the processor; the worker mounts the processor and
 * the collection schedule.
 */
@Module({})
export class JobsModule {
  static forApi(config: AppConfig): DynamicModule {
    return JobsModule.build(
      config.jobs.runInApi,
      [CollectionJobsController, BackfillController, LegacyCollectController, JobsController],
      [],
    );
  }

  /** The worker also runs the collection schedule: enqueuing stays with the processes that own the queue. */
  static forWorker(): DynamicModule {
    const base = JobsModule.build(true, [], [CollectionScheduler]);
    // The schedule's cron jobs: ScheduleModule stops every registered job when the app closes.
    return { ...base, imports: [ScheduleModule.forRoot(), ...(base.imports ?? [])] };
  }

  private static build(runProcessor: boolean, controllers: Type[], extra: Provider[]): DynamicModule {
    return {
      module: JobsModule,
      imports: [
        BullModule.forRootAsync({ inject: [APP_CONFIG], useFactory: bullOptions }),
        BullModule.registerQueue({ name: COLLECTION_QUEUE }),
        ...(runProcessor ? [CollectionModule] : []),
      ],
      controllers,
      providers: [
        JobsRepository,
        JobsService,
        QueueMonitor,
        ...METRICS,
        ...(runProcessor ? [CollectionJobProcessor, JobReconciler] : []),
        ...extra,
      ],
      exports: [JobsService, JobsRepository],
    };
  }
}
