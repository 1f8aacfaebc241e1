import { APP_CONFIG, AppConfig } from '@app/config';
import { Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { createRedisClient } from './redis.factory';

/** Injection token of the shared, prefixed ioredis connection. */
export const REDIS = Symbol('REDIS');

/**
 * The shared connection: one per process (a static module is one instance, however many modules
 * import it). Not global: the modules that use it (auth, cache, the KRA client, the probes) import it.
 */
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
