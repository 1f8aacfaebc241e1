import { CacheModule } from '@app/cache';
import { Module } from '@nestjs/common';
import { AnalysisController } from './api/analysis.controller';
import { FeaturesService } from './features.service';
import { FeaturesRepository } from './store/features.repository';

/** The analysis: as-of features of runners, from what collection stored, and their API. */
@Module({
  imports: [CacheModule],
  controllers: [AnalysisController],
  providers: [FeaturesRepository, FeaturesService],
  exports: [FeaturesService],
})
export class AnalysisModule {}
