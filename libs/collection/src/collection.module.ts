import { CacheModule, CacheService } from '@app/cache';
import { Module, Provider } from '@nestjs/common';
import { CollectionService, DAY_CACHE_INVALIDATOR, DayCacheInvalidator } from './collection.service';
import { RaceData } from './store';

/**
 * What writers of race data (the collector, the legacy import) drop after writing a day: the day's
 * tag, the history's (every analysis reads all race days before its own) and the tags of every horse,
 * jockey and trainer on its cards (their profiles list its races).
 */
export const DAY_CACHE_INVALIDATOR_PROVIDER: Provider = {
  provide: DAY_CACHE_INVALIDATOR,
  inject: [CacheService, RaceData],
  useFactory: (cache: CacheService, data: RaceData): DayCacheInvalidator => ({
    invalidateDay: async (date, meet) => {
      const entries = await data.cards.dayEntries(date, meet);
      await cache.invalidateTags([
        CacheService.dayTag(date, meet),
        CacheService.HISTORY_TAG,
        ...entries.map((entry) => CacheService.entityTag('horse', entry.hrNo)),
        ...entries.flatMap((entry) => (entry.jkNo ? [CacheService.entityTag('jockey', entry.jkNo)] : [])),
        ...entries.flatMap((entry) => (entry.trNo ? [CacheService.entityTag('trainer', entry.trNo)] : [])),
      ]);
    },
  }),
};

/** The collection engine: the (global) KRA client in, the race data model out, the day's cache dropped. */
@Module({
  imports: [CacheModule],
  providers: [RaceData, CollectionService, DAY_CACHE_INVALIDATOR_PROVIDER],
  exports: [CollectionService, RaceData],
})
export class CollectionModule {}
