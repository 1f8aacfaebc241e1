import { CacheModule, CacheService } from '@app/cache';
import { Module } from '@nestjs/common';
import { CollectionService, DAY_CACHE_INVALIDATOR, DayCacheInvalidator } from './collection.service';
import { RaceDataRepository } from './race-data.repository';

/** The collection engine: the (global) KRA client in, the race data model out, the day's cache dropped. */
@Module({
  imports: [CacheModule],
  providers: [
    RaceDataRepository,
    CollectionService,
    {
      provide: DAY_CACHE_INVALIDATOR,
      inject: [CacheService],
      useFactory: (cache: CacheService): DayCacheInvalidator => ({
        invalidateDay: (date, meet) => cache.invalidateTag(CacheService.dayTag(date, meet)),
      }),
    },
  ],
  exports: [CollectionService, RaceDataRepository],
})
export class CollectionModule {}
