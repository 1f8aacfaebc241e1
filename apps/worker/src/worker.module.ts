import { AnalysisModule } from '@app/analysis';
import { CacheModule } from '@app/cache';
import { CollectionJobsModule, CollectionModule } from '@app/collection';
import { AllExceptionsFilter } from '@app/common';
import { AppConfig, ConfigModule } from '@app/config';
import { DatabaseModule } from '@app/database';
import { JobQueueModule, JobsModule } from '@app/jobs';
import { KraClientModule } from '@app/kra-client';
import { KraUpstreamModule } from '@app/kra-sandbox';
import { MonitoringModule } from '@app/monitoring';
import { RedisModule } from '@app/redis';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';

/**
 * The headless worker. It serves no API routes: only its own probes and metrics, on WORKER_PORT.
 * It runs the collection and compute-features jobs (always, whatever JOBS_RUN_IN_API says); and the
 * collection schedule (SCHEDULE_*), which only enqueues jobs.
 */
@Module({})
export class WorkerModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot('kra-worker'),
        RedisModule,
        MonitoringModule,
        KraClientModule.forRoot(KraUpstreamModule.forRoot()),
        CacheModule,
        CollectionModule,
        JobsModule.forWorker(),
        CollectionJobsModule.forWorker(JobQueueModule),
        AnalysisModule.forWorker(),
      ],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
