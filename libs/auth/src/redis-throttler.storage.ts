import { REDIS, Redis } from '@app/redis';
import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';

type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** Fixed window: the first hit starts the window; the count and its expiry move together. */
const INCREMENT_SCRIPT = `
local hits = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {hits, ttl}`;

/**
 * Rate-limit counters in the shared Redis, so a limit holds across every API replica. One round
 * trip per request (an atomic script); a hit over the limit is blocked until its window ends.
 */
@Injectable()
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly redis: Redis & { rateLimitIncrement(key: string, ttlMs: number): Promise<[number, number]> };

  constructor(@Inject(REDIS) redis: Redis) {
    // A defined command runs by EVALSHA: the script is sent once, not with every request.
    redis.defineCommand('rateLimitIncrement', { numberOfKeys: 1, lua: INCREMENT_SCRIPT });
    this.redis = redis as RedisThrottlerStorage['redis'];
  }

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const [totalHits, remainingMs] = await this.redis.rateLimitIncrement(`ratelimit:${key}`, ttl);
    const timeToExpire = Math.max(1, Math.ceil(remainingMs / 1000));
    const isBlocked = totalHits > limit;
    return { totalHits, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
  }
}
