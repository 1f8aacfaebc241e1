import { CacheModule } from '@app/cache';
import { DynamicModule, Module, ModuleMetadata } from '@nestjs/common';
import { AnalysisController, AnalysisExportController } from './api/analysis.controller';
import { AnalysisViews } from './analysis-views.service';
import { FeaturesService, KRA_COUNT_CHECKS_METRIC } from './features.service';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { AnalysisJobsController } from './jobs/analysis-jobs.controller';
import { ComputeFeaturesJob } from './jobs/compute-features.job';
import { FeaturesRepository, StatsRepository } from './store/features.repository';

type JobQueueImport = NonNullable<ModuleMetadata['imports']>[number];

const KRA_COUNT_CHECKS = makeCounterProvider({
  name: KRA_COUNT_CHECKS_METRIC,
  help:
    "Our horse, jockey and trainer counts (career, this year) against KRA's in the pre-race snapshot, as of its fetch day: " +
    'agree, disagree, or not_comparable (our data does not hold the whole period)',
  labelNames: ['entity', 'period', 'result'],
});

/** The analysis: as-of features of runners, from what collection stored, and their API (forApi / forWorker). */
@Module({})
export class AnalysisModule {
  /** The API: the read routes, the compute route and the compute-features kind (for JOBS_RUN_IN_API). */
  static forApi(jobQueue: JobQueueImport): DynamicModule {
    return {
      module: AnalysisModule,
      imports: [CacheModule, jobQueue],
      controllers: [AnalysisController, AnalysisExportController, AnalysisJobsController],
      providers: [
        FeaturesRepository,
        StatsRepository,
        FeaturesService,
        KRA_COUNT_CHECKS,
        AnalysisViews,
        ComputeFeaturesJob,
      ],
      exports: [FeaturesService],
    };
  }

  /** The worker runs the compute-features kind. */
  static forWorker(): DynamicModule {
    return {
      module: AnalysisModule,
      imports: [CacheModule],
      providers: [FeaturesRepository, FeaturesService, KRA_COUNT_CHECKS, ComputeFeaturesJob],
      exports: [FeaturesService],
    };
  }
}
