import { CacheModule, CacheService } from '@app/cache';
import { Module, Provider } from '@nestjs/common';
import { CollectionService, DAY_CACHE_INVALIDATOR, DayCacheInvalidator } from './collection.service';
import { RaceDataRepository } from './race-data.repository';

/** What writers of race data (the collector, the legacy import) drop after writing a day: its cache tag. */
export const DAY_CACHE_INVALIDATOR_PROVIDER: Provider = {
  provide: DAY_CACHE_INVALIDATOR,
  inject: [CacheService],
  useFactory: (cache: CacheService): DayCacheInvalidator => ({
    invalidateDay: (date, meet) => cache.invalidateTag(CacheService.dayTag(date, meet)),
  }),
};

/** The collection engine: the (global) KRA client in, the race data model out, the day's cache dropped. */
@Module({
  imports: [CacheModule],
  providers: [RaceDataRepository, CollectionService, DAY_CACHE_INVALIDATOR_PROVIDER],
  exports: [CollectionService, RaceDataRepository],
})
export class CollectionModule {}
