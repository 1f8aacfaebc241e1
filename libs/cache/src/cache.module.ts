import { RedisModule } from '@app/redis';
import { Module } from '@nestjs/common';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { CACHE_REQUESTS_METRIC, CacheService } from './cache.service';

/**
 * The Redis-backed response cache over the shared `REDIS` client. Not global: the modules that read
 * or drop cached responses (the read API, the collector, the legacy import) import it.
 */
@Module({
  imports: [RedisModule],
  providers: [
    CacheService,
    makeCounterProvider({
      name: CACHE_REQUESTS_METRIC,
      help: 'Cache reads by result: hit, miss, or error (Redis unavailable, served without the cache)',
      labelNames: ['result'],
    }),
  ],
  exports: [CacheService],
})
export class CacheModule {}
