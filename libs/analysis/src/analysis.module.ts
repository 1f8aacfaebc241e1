import { CacheModule } from '@app/cache';
import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { AnalysisController, AnalysisExportController } from './api/analysis.controller';
import { AnalysisViews } from './analysis-views.service';
import { FeaturesService } from './features.service';
import { AnalysisJobsController } from './jobs/analysis-jobs.controller';
import { ComputeFeaturesJob } from './jobs/compute-features.job';
import { FeaturesRepository, StatsRepository } from './store/features.repository';

type JobQueueImport = NonNullable<ModuleMetadata['imports']>[number];

/** The analysis: as-of features of runners, from what collection stored, and their API. */
@Module({
  imports: [CacheModule],
  providers: [FeaturesRepository, FeaturesService],
  exports: [FeaturesService, FeaturesRepository],
})
export class AnalysisModule {
  /** The API: the read routes, the compute route and the compute-features kind (for JOBS_RUN_IN_API). */
  static forApi(jobQueue: JobQueueImport): DynamicModule {
    return {
      module: AnalysisModule,
      imports: [CacheModule, jobQueue],
      controllers: [AnalysisController, AnalysisExportController, AnalysisJobsController],
      providers: [FeaturesRepository, StatsRepository, FeaturesService, AnalysisViews, ComputeFeaturesJob],
      exports: [FeaturesService],
    };
  }

  /** The worker runs the compute-features kind. */
  static forWorker(): DynamicModule {
    return {
      module: AnalysisModule,
      imports: [CacheModule],
      providers: [FeaturesRepository, FeaturesService, ComputeFeaturesJob],
      exports: [FeaturesService],
    };
  }
}
