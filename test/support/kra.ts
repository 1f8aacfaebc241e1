import { KraClient, KraClientSettings, KraMetrics } from '@app/kra-client';
import { createRedisClient, Redis } from '@app/redis';
import { once } from 'node:events';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { REDIS_URL, uniqueName } from './infra';

/** Fast retries and a short timeout, so fault tests take milliseconds, not seconds. */
export const TEST_KRA_SETTINGS: Omit<KraClientSettings, 'baseUrl' | 'serviceKey'> = {
  timeoutMs: 2_000,
  maxRetries: 2,
  retryBaseMs: 5,
  retryMaxMs: 20,
  concurrency: 8,
  requestsPerSecond: 1_000,
  pageSize: 1_000,
  dailyQuota: 10_000,
  masterCacheTtlSeconds: 60,
};

export interface TestKraClient {
  client: KraClient;
  redis: Redis;
  prefix: string;
  registry: Registry;
  close(): Promise<void>;
}

/** A client with its own Redis key prefix and metrics registry: no state shared between tests. */
export async function kraClient(
  baseUrl: string,
  serviceKey: string,
  overrides: Partial<KraClientSettings> = {},
  prefix = `${uniqueName('kratest')}:`,
): Promise<TestKraClient> {
  const redis = createRedisClient({ url: REDIS_URL, keyPrefix: prefix }, 'kra-test');
  await once(redis, 'ready'); // commands fail fast until then (no offline queue)
  const registry = new Registry();
  const metrics: KraMetrics = {
    requests: new Counter({
      name: 'kra_requests_total',
      help: 'h',
      labelNames: ['service', 'outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'kra_request_duration_seconds',
      help: 'h',
      labelNames: ['service'],
      registers: [registry],
    }),
    quotaRemaining: new Gauge({
      name: 'kra_quota_remaining',
      help: 'h',
      labelNames: ['service'],
      registers: [registry],
    }),
  };
  const client = new KraClient({ ...TEST_KRA_SETTINGS, baseUrl, serviceKey, ...overrides }, redis, metrics);
  return {
    client,
    redis,
    prefix,
    registry,
    async close() {
      const keys = await redis.keys(`${prefix}*`);
      // keys() returns them with the prefix; del() would add it again.
      if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(prefix.length)));
      redis.disconnect();
    },
  };
}
