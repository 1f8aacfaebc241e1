import { AnalysisModule } from '@app/analysis';
import { AuthModule } from '@app/auth';
import { CacheModule } from '@app/cache';
import { AllExceptionsFilter, createValidationPipe } from '@app/common';
import { AppConfig, ConfigModule } from '@app/config';
import { CollectionJobsModule, CollectionModule, RaceReadModule } from '@app/collection';
import { DatabaseModule } from '@app/database';
import { JobQueueModule, JobsModule } from '@app/jobs';
import { KraClientModule } from '@app/kra-client';
import { KraUpstreamModule } from '@app/kra-sandbox';
import { LegacyCollectModule, LegacyExportModule } from '@app/legacy';
import { MonitoringModule } from '@app/monitoring';
import { RedisModule } from '@app/redis';
import { DynamicModule, Module, Type } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';

@Module({})
export class ApiModule {
  /** `extraModules` lets tests mount extra routes on an otherwise production-identical app. */
  static forRoot(config: AppConfig, extraModules: Type[] = []): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot('kra-api'),
        RedisModule,
        MonitoringModule,
        KraClientModule.forRoot(KraUpstreamModule.forRoot()),
        CollectionModule,
        AuthModule,
        CacheModule,
        RaceReadModule,
        LegacyExportModule,
        // The features that start jobs get the jobs module's enqueue port; their handlers register themselves.
        CollectionJobsModule.forApi(JobQueueModule),
        LegacyCollectModule.forApi(JobQueueModule),
        AnalysisModule.forApi(JobQueueModule),
        JobsModule.forApi(config),
        ...extraModules,
      ],
      providers: [
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        { provide: APP_PIPE, useFactory: createValidationPipe },
      ],
    };
  }
}
