import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CollectionModule } from '../collection.module';
import { BackfillJob } from './backfill.job';
import { CollectDayJob, CollectResultsJob } from './collect-day.job';
import { BackfillController, CollectionJobsController } from './collection-jobs.controllers';
import { CollectionScheduler } from './collection-scheduler';

/** A module that provides the enqueue port (`JOB_QUEUE`): the app passes the jobs module's. */
export type JobQueueImport = NonNullable<ModuleMetadata['imports']>[number];

const KINDS = [CollectDayJob, CollectResultsJob, BackfillJob];

/**
 * Collection as background work: the collect-day, collect-results and backfill job kinds, the
 * routes that start them (API) or the schedule that does (worker). It enqueues through the port the
 * app hands it, so it knows nothing of how jobs are kept or run.
 */
@Module({})
export class CollectionJobsModule {
  static forApi(jobQueue: JobQueueImport): DynamicModule {
    return {
      module: CollectionJobsModule,
      imports: [CollectionModule, jobQueue],
      controllers: [CollectionJobsController, BackfillController],
      providers: KINDS,
    };
  }

  /** The worker also runs the collection schedule: enqueuing stays with the processes that own the queue. */
  static forWorker(jobQueue: JobQueueImport): DynamicModule {
    return {
      module: CollectionJobsModule,
      // The schedule's cron jobs: ScheduleModule stops every registered job when the app closes.
      imports: [ScheduleModule.forRoot(), CollectionModule, jobQueue],
      providers: [...KINDS, CollectionScheduler],
    };
  }
}
