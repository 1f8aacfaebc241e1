import { APP_CONFIG, AppConfig } from '@app/config';
import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { createRedisClient } from './redis.factory';

/** Injection token of the shared, prefixed ioredis connection. */
export const REDIS = Symbol('REDIS');

// Global: one connection per process, used across the board (keys, rate limits, the KRA quota, the cache).
@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => createRedisClient(config.redis, 'shared'),
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    // quit() waits for replies to commands already sent; disconnect() if the server is gone.
    if (this.redis.status === 'ready') await this.redis.quit().catch(() => this.redis.disconnect());
    else this.redis.disconnect();
  }
}
