import { Public } from '@app/common';
import { Controller, Get, Module } from '@nestjs/common';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApi, startApi } from './support/api';
import { ADMIN_KEY, CLOSED_PORT, REDIS_URL, testConfig, TestDatabase, TestRedisPrefix } from './support/infra';

@Controller('test-public')
class PublicController {
  @Public()
  @Get()
  ping(): { ok: true } {
    return { ok: true };
  }
}

@Module({ controllers: [PublicController] })
class PublicModule {}

/** The window is long enough that a busy machine never ends one between beforeAll's call and the test counting on it. */
const LIMITS = {
  RATE_LIMIT_READ: '5',
  RATE_LIMIT_ADMIN: '3',
  RATE_LIMIT_PUBLIC: '2',
  RATE_LIMIT_WINDOW_SECONDS: '300',
};

describe('Rate limits', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let api: RunningApi;
  let readKey: string;

  beforeAll(async () => {
    await database.create();
    api = await startApi(testConfig(database, redis, LIMITS), [PublicModule]);
    const created = await api.app.inject({
      method: 'POST',
      url: '/api/v2/admin/api-keys',
      headers: { 'x-api-key': ADMIN_KEY },
      payload: { name: 'reader', scopes: ['read'] },
    });
    readKey = created.json<{ key: string }>().key;
  });

  afterAll(async () => {
    await api?.close();
    await database.drop();
    await redis.clear();
  });

  it('should count down in the headers and answer the (N+1)th request with 429 and Retry-After', async () => {
    const remaining: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const response = await fetch(`${api.baseUrl}/api/v2/whoami`, { headers: { 'x-api-key': readKey } });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBe('5');
      expect(Number(response.headers.get('x-ratelimit-reset'))).toBeGreaterThan(0);
      remaining.push(response.headers.get('x-ratelimit-remaining') ?? '');
    }
    expect(remaining).toEqual(['4', '3', '2', '1', '0']);
    const limited = await fetch(`${api.baseUrl}/api/v2/whoami`, { headers: { 'x-api-key': readKey } });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(300);
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(await limited.json()).toMatchObject({
      statusCode: 429,
      error: 'Too Many Requests',
      requestId: expect.any(String),
    });
  });

  it('should count each key on its own', async () => {
    const response = await fetch(`${api.baseUrl}/api/v2/whoami`, { headers: { 'x-api-key': ADMIN_KEY } });
    expect(response.status).toBe(200);
  });

  it('should apply the limit of the scope a route needs', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) {
      const response = await fetch(`${api.baseUrl}/api/v2/admin/api-keys`, { headers: { 'x-api-key': ADMIN_KEY } });
      expect(response.headers.get('x-ratelimit-limit')).toBe('3');
      statuses.push(response.status);
    }
    // The admin bucket (3) already holds the call that created the read key in beforeAll.
    expect(statuses).toEqual([200, 200, 429, 429]);
  });

  it('should limit public routes per client IP', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i += 1) statuses.push((await fetch(`${api.baseUrl}/api/v2/test-public`)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it('should keep the counters in Redis under the configured prefix', async () => {
    const client = new Redis(REDIS_URL);
    const keys = await client.keys(`${redis.prefix}ratelimit:*`);
    client.disconnect();
    expect(keys.length).toBeGreaterThanOrEqual(3);
  });
});

describe('Rate limits while Redis is down', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let api: RunningApi;

  beforeAll(async () => {
    await database.create();
    api = await startApi(testConfig(database, redis, { ...LIMITS, REDIS_URL: `redis://127.0.0.1:${CLOSED_PORT}` }));
  });

  afterAll(async () => {
    await api?.close();
    await database.drop();
  });

  it('should fail open: serve requests beyond the limit, warn once and count them', async () => {
    for (let i = 0; i < 8; i += 1) {
      const response = await fetch(`${api.baseUrl}/api/v2/whoami`, { headers: { 'x-api-key': ADMIN_KEY } });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-ratelimit-limit')).toBeNull();
    }
    const warnings = api.logs.filter((line) => line.includes('Rate limiting is off while Redis is unavailable'));
    expect(warnings).toHaveLength(1);
    const metrics = await (await fetch(`${api.baseUrl}/metrics`)).text();
    expect(Number(/^rate_limit_fail_open_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(8);
  });

  it('should report not ready, naming redis and the job queue on it, while staying live', async () => {
    const ready = await fetch(`${api.baseUrl}/health/ready`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as {
      message: string;
      details: { error: Record<string, unknown>; info: Record<string, unknown> };
    };
    expect(body.message).toBe('Not ready: redis, queue unavailable');
    expect(Object.keys(body.details.error)).toEqual(['redis', 'queue']);
    expect(body.details.info).toMatchObject({ database: { status: 'up' } });
    expect((await fetch(`${api.baseUrl}/health/live`)).status).toBe(200);
  });

  it('should log the lost connection once, not once per retry', () => {
    const lost = api.logs.filter((line) => line.includes('Redis connection lost'));
    expect(lost).toHaveLength(1);
  });
});
