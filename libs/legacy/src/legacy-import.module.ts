import { CacheModule } from '@app/cache';
import { DAY_CACHE_INVALIDATOR_PROVIDER, RaceData } from '@app/collection';
import { Module } from '@nestjs/common';
import { LegacyImporter } from './legacy-importer';

/**
 * The import half of the legacy bridge: legacy files in, the race data model out, through the
 * collection engine's repository; cached reads of each imported day are dropped, as after a
 * collection. Needs the database and the (global) Redis client, not the KRA client.
 */
@Module({
  imports: [CacheModule],
  providers: [RaceData, LegacyImporter, DAY_CACHE_INVALIDATOR_PROVIDER],
  exports: [LegacyImporter],
})
export class LegacyImportModule {}
