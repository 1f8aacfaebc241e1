import { CACHE_REQUESTS_METRIC, CacheService } from '@app/cache';
import { createRedisClient, Redis } from '@app/redis';
import { Logger } from '@nestjs/common';
import { once } from 'node:events';
import { Counter, Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { CLOSED_PORT, REDIS_URL, TestRedisPrefix } from './support/infra';
import { sleep, waitUntil } from './support/processes';

interface TestCache {
  cache: CacheService;
  redis: Redis;
  registry: Registry;
  count(result: 'hit' | 'miss' | 'error'): Promise<number>;
}

/** A CacheService on its own client and metrics registry, as CacheModule builds it. */
function testCache(url: string, prefix: string): TestCache {
  const redis = createRedisClient({ url, keyPrefix: prefix }, 'cache-test');
  const registry = new Registry();
  const requests = new Counter({
    name: CACHE_REQUESTS_METRIC,
    help: 'h',
    labelNames: ['result'],
    registers: [registry],
  });
  const cache = new CacheService(redis, requests);
  const count = async (result: string): Promise<number> =>
    (await requests.get()).values.find((value) => value.labels.result === result)?.value ?? 0;
  return { cache, redis, registry, count };
}

describe('CacheService', () => {
  const prefix = new TestRedisPrefix();
  let subject: TestCache;
  let raw: Redis;

  beforeAll(async () => {
    subject = testCache(REDIS_URL, prefix.prefix);
    raw = new Redis(REDIS_URL);
    await once(subject.redis, 'ready'); // commands fail fast until then (no offline queue)
  });

  afterAll(async () => {
    subject.redis.disconnect();
    raw.disconnect();
    await prefix.clear();
  });

  it('should build day tags as day:YYYY-MM-DD:meet, from either date form', () => {
    expect(CacheService.dayTag('2025-05-23', 3)).toBe('day:2025-05-23:3');
    expect(CacheService.dayTag('20250523', 1)).toBe('day:2025-05-23:1');
  });

  it('should return undefined for a missing key and the stored JSON for a set one', async () => {
    const { cache } = subject;
    await expect(cache.getJson('nothing-here')).resolves.toBeUndefined();
    const value = { date: '2025-05-23', races: [{ raceNo: 1, name: '일반', prizes: [1, 2] }], none: null };
    await cache.setJson('roundtrip', value, 60);
    await expect(cache.getJson('roundtrip')).resolves.toEqual(value);
    await cache.setJson('falsy', 0, 60);
    await expect(cache.getJson('falsy')).resolves.toBe(0);
  });

  it('should namespace keys under cache: within the client prefix and set the TTL', async () => {
    await subject.cache.setJson('ttl-check', { a: 1 }, 30);
    const keys = await raw.keys(`${prefix.prefix}cache:*ttl-check`);
    expect(keys).toHaveLength(1);
    const ttl = await raw.ttl(keys[0]);
    expect(ttl).toBeGreaterThan(25);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  it('should expire entries after their TTL', async () => {
    await subject.cache.setJson('short', 'soon gone', 1);
    await expect(subject.cache.getJson('short')).resolves.toBe('soon gone');
    await waitUntil(
      () => subject.cache.getJson('short'),
      (value) => value === undefined,
      { timeoutMs: 3_000, what: 'the entry to expire' },
    );
    await expect(subject.cache.getJson('short')).resolves.toBeUndefined();
  });

  it('should invalidate every key of a tag and only those', async () => {
    const { cache } = subject;
    const day = CacheService.dayTag('2025-05-23', 1);
    const other = CacheService.dayTag('2025-05-23', 3);
    await cache.setJson('a', 'A', 60, [day]);
    await cache.setJson('b', 'B', 60, [day, 'everything']);
    await cache.setJson('c', 'C', 60, [other, 'everything']);
    await cache.invalidateTag(day);
    await expect(cache.getJson('a')).resolves.toBeUndefined();
    await expect(cache.getJson('b')).resolves.toBeUndefined();
    await expect(cache.getJson('c')).resolves.toBe('C');
    await cache.invalidateTag('everything');
    await expect(cache.getJson('c')).resolves.toBeUndefined();
    await expect(cache.invalidateTag('never-used')).resolves.toBeUndefined();
  });

  it('should keep a tag set alive at least as long as its longest entry', async () => {
    const { cache } = subject;
    await cache.setJson('long', 1, 300, ['mixed']);
    await cache.setJson('brief', 2, 10, ['mixed']);
    const [tagKey] = await raw.keys(`${prefix.prefix}cache:*mixed`);
    expect(await raw.ttl(tagKey)).toBeGreaterThan(290);
    expect(await raw.smembers(tagKey)).toHaveLength(2);
  });

  it('should read through: load once, then serve the cached value until the tag is invalidated', async () => {
    const { cache } = subject;
    let loads = 0;
    const load = (): Promise<{ version: number }> => Promise.resolve({ version: ++loads });
    await expect(cache.wrap('wrapped', 60, ['w'], load)).resolves.toEqual({ version: 1 });
    await expect(cache.wrap('wrapped', 60, ['w'], load)).resolves.toEqual({ version: 1 });
    expect(loads).toBe(1);
    await cache.invalidateTag('w');
    await expect(cache.wrap('wrapped', 60, ['w'], load)).resolves.toEqual({ version: 2 });
  });

  it('should share one load between concurrent misses of a key', async () => {
    let loads = 0;
    const load = async (): Promise<number> => {
      loads += 1;
      await sleep(50);
      return 42;
    };
    const values = await Promise.all([1, 2, 3].map(() => subject.cache.wrap('stampede', 60, [], load)));
    expect(values).toEqual([42, 42, 42]);
    expect(loads).toBe(1);
  });

  it('should pass a loader failure to the caller and cache nothing', async () => {
    await expect(subject.cache.wrap('failing', 60, [], () => Promise.reject(new Error('db down')))).rejects.toThrow(
      'db down',
    );
    await expect(subject.cache.getJson('failing')).resolves.toBeUndefined();
  });

  it('should count hits and misses', async () => {
    const { cache } = subject;
    const count = (result: 'hit' | 'miss' | 'error'): Promise<number> => subject.count(result);
    const [hits, misses] = [await count('hit'), await count('miss')];
    await cache.getJson('metric-miss');
    await cache.setJson('metric-hit', true, 60);
    await cache.getJson('metric-hit');
    await cache.getJson('metric-hit');
    expect(await count('hit')).toBe(hits + 2);
    expect(await count('miss')).toBe(misses + 1);
    expect(await count('error')).toBe(0);
  });
});

describe('CacheService while Redis is unreachable', () => {
  let subject: TestCache;

  beforeAll(() => {
    subject = testCache(`redis://127.0.0.1:${CLOSED_PORT}`, 'unreachable:');
  });

  afterAll(() => {
    subject.redis.disconnect();
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('should fail open: reads miss, writes and invalidations are skipped, nothing throws', async () => {
    const { cache } = subject;
    await expect(cache.setJson('k', { a: 1 }, 60, ['t'])).resolves.toBeUndefined();
    await expect(cache.getJson('k')).resolves.toBeUndefined();
    await expect(cache.invalidateTag('t')).resolves.toBeUndefined();
    expect(await subject.count('error')).toBeGreaterThanOrEqual(1);
  });

  it('should call the loader every time through wrap and return its value', async () => {
    let loads = 0;
    const load = (): Promise<string> => Promise.resolve(`from postgres ${++loads}`);
    await expect(subject.cache.wrap('w', 60, ['t'], load)).resolves.toBe('from postgres 1');
    await expect(subject.cache.wrap('w', 60, ['t'], load)).resolves.toBe('from postgres 2');
  });

  it('should count each failed read as an error and warn once per outage', async () => {
    const fresh = testCache(`redis://127.0.0.1:${CLOSED_PORT}`, 'unreachable:');
    const warn = vi.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    try {
      for (let i = 0; i < 5; i += 1) await fresh.cache.getJson(`k${i}`);
      await fresh.cache.setJson('k', 1, 60, ['t']);
      await fresh.cache.invalidateTag('t');
      expect(await fresh.count('error')).toBe(5);
      expect(await fresh.count('miss')).toBe(0);
      const cacheWarnings = warn.mock.calls.filter(([message]) => String(message).startsWith('Cache '));
      expect(cacheWarnings).toHaveLength(1);
    } finally {
      fresh.redis.disconnect();
    }
  });
});
