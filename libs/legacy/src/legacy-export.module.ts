import { RaceReadService } from '@app/collection';
import { Module } from '@nestjs/common';
import { LegacyExporter } from './legacy-exporter';
import { LegacyRaceBuilder } from './legacy-race.builder';
import { LegacyRacesController } from './legacy-races.controller';

/**
 * The export half of the legacy bridge: races from the database as legacy files, on disk
 * (`export-legacy`) and over HTTP (`GET /legacy/races/...`). Needs the database; the route's ETag
 * hook is registered by the read API's module.
 */
@Module({
  controllers: [LegacyRacesController],
  providers: [RaceReadService, LegacyRaceBuilder, LegacyExporter],
  exports: [LegacyRaceBuilder, LegacyExporter],
})
export class LegacyExportModule {}
