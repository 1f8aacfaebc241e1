import { APP_CONFIG, AppConfig } from '@app/config';
import { REDIS, Redis, RedisModule } from '@app/redis';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { makeCounterProvider } from '@willsoto/nestjs-prometheus';
import { ApiKey } from './api-key.entity';
import { ApiKeyGuard } from './api-key.guard';
import { ApiKeysController, WhoAmIController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';
import { RATE_LIMIT_FAIL_OPEN_METRIC, RateLimitGuard } from './rate-limit.guard';
import { RedisThrottlerStorage } from './redis-throttler.storage';

/** API keys and rate limits for the HTTP API. Guards run in order: authenticate, then limit. */
@Module({
  imports: [
    TypeOrmModule.forFeature([ApiKey]),
    RedisModule,
    ThrottlerModule.forRootAsync({
      imports: [RedisModule],
      inject: [APP_CONFIG, REDIS],
      // The limit here is a placeholder: RateLimitGuard picks the limit of each route's bucket.
      useFactory: (config: AppConfig, redis: Redis) => ({
        throttlers: [
          { name: 'default', ttl: config.rateLimit.windowSeconds * 1000, limit: config.rateLimit.limits.read },
        ],
        storage: new RedisThrottlerStorage(redis),
      }),
    }),
  ],
  controllers: [ApiKeysController, WhoAmIController],
  providers: [
    ApiKeysService,
    makeCounterProvider({
      name: RATE_LIMIT_FAIL_OPEN_METRIC,
      help: 'Requests let through without a rate-limit check because Redis was unavailable',
    }),
    { provide: APP_GUARD, useClass: ApiKeyGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
  ],
  exports: [ApiKeysService],
})
export class AuthModule {}
