import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApi, startApi } from './support/api';
import { ADMIN_KEY, testConfig, TestDatabase, TestRedisPrefix } from './support/infra';
import { waitUntil } from './support/processes';

interface CreatedKey {
  id: string;
  key: string;
  scopes: string[];
}

describe('API keys', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let api: RunningApi;
  const admin = { 'x-api-key': ADMIN_KEY, 'content-type': 'application/json' };
  const revoke = (id: string): Promise<Response> =>
    fetch(`${api.baseUrl}/api/v2/admin/api-keys/${id}`, { method: 'DELETE', headers: { 'x-api-key': ADMIN_KEY } });

  const createKey = async (body: object): Promise<CreatedKey> => {
    const response = await fetch(`${api.baseUrl}/api/v2/admin/api-keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as CreatedKey;
  };
  const whoami = (key?: string): Promise<Response> =>
    fetch(`${api.baseUrl}/api/v2/whoami`, { headers: key ? { 'x-api-key': key } : {} });

  beforeAll(async () => {
    await database.create();
    api = await startApi(testConfig(database, redis, { API_KEY_CACHE_TTL_MS: '1000' }));
  });

  afterAll(async () => {
    await api?.close();
    await database.drop();
    await redis.clear();
  });

  it('should create the admin key from ADMIN_API_KEY on first start', async () => {
    const response = await whoami(ADMIN_KEY);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ name: 'admin (bootstrap)', scopes: ['admin'] });
  });

  it('should answer 401 without a key', async () => {
    const response = await whoami();
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ statusCode: 401, message: 'Missing X-API-Key header' });
  });

  it('should answer 401 for an unknown key', async () => {
    expect((await whoami('kra_not-a-key-that-exists-anywhere-00')).status).toBe(401);
  });

  it('should refuse a key in the query string, even a valid one', async () => {
    const { key } = await createKey({ name: 'query', scopes: ['read'] });
    for (const name of ['apiKey', 'api_key', 'x-api-key']) {
      const response = await fetch(`${api.baseUrl}/api/v2/whoami?${name}=${key}`);
      expect(response.status).toBe(401);
      expect(((await response.json()) as { message: string }).message).toContain('never in the query string');
    }
    const both = await fetch(`${api.baseUrl}/api/v2/whoami?apiKey=${key}`, { headers: { 'x-api-key': key } });
    expect(both.status).toBe(401);
  });

  it('should answer 401 for a revoked key within seconds of the revoke', async () => {
    const { id, key } = await createKey({ name: 'soon revoked', scopes: ['read'] });
    expect((await whoami(key)).status).toBe(200); // now cached as valid
    expect((await revoke(id)).status).toBe(204);
    expect((await whoami(key)).status).toBe(401);
  });

  it('should honour a revoke made by another replica once the key cache expires', async () => {
    const { id, key } = await createKey({ name: 'revoked elsewhere', scopes: ['read'] });
    expect((await whoami(key)).status).toBe(200);
    await database.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [id]); // as another replica would
    // API_KEY_CACHE_TTL_MS is 1 s in this test: the revoke shows within it.
    const refused = await waitUntil(
      () => whoami(key),
      (response) => response.status !== 200,
      { timeoutMs: 3_000, what: 'the cached key to lapse' },
    );
    expect(refused.status).toBe(401);
  });

  it('should answer 401 for an expired key', async () => {
    const { key } = await createKey({
      name: 'short lived',
      scopes: ['read'],
      expiresAt: new Date(Date.now() + 1_500).toISOString(),
    });
    expect((await whoami(key)).status).toBe(200);
    const response = await waitUntil(
      () => whoami(key),
      (answer) => answer.status !== 200,
      { timeoutMs: 5_000, what: 'the key to expire' },
    );
    expect(response.status).toBe(401);
    expect(((await response.json()) as { message: string }).message).toBe('Unknown, revoked or expired API key');
  });

  it('should refuse an expiry in the past', async () => {
    const response = await fetch(`${api.baseUrl}/api/v2/admin/api-keys`, {
      method: 'POST',
      headers: admin,
      body: JSON.stringify({ name: 'past', scopes: ['read'], expiresAt: '2020-01-01T00:00:00Z' }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { details: unknown[] }).details).toEqual([
      { field: 'expiresAt', reason: 'expiresAt must be in the future' },
    ]);
  });

  it('should answer 403 for a key lacking the scope', async () => {
    const { key } = await createKey({ name: 'reader', scopes: ['read'] });
    const response = await fetch(`${api.baseUrl}/api/v2/admin/api-keys`, { headers: { 'x-api-key': key } });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { message: string }).message).toContain("'admin' scope");
    expect((await whoami(key)).status).toBe(200);
  });

  it('should store only hashes: no column of api_keys holds a secret', async () => {
    const created = await createKey({ name: 'hash check', scopes: ['collect', 'read'] });
    const rows = await database.query('SELECT * FROM api_keys');
    const dump = JSON.stringify(rows);
    expect(dump).not.toContain(created.key);
    expect(dump).not.toContain(created.key.slice(4, 20));
    expect(dump).not.toContain(ADMIN_KEY);
    const [row] = await database.query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE id = $1', [
      created.id,
    ]);
    const { createHash } = await import('node:crypto');
    expect(row.key_hash).toBe(createHash('sha256').update(created.key).digest('hex'));
  });

  it('should list keys without secrets or hashes', async () => {
    const response = await fetch(`${api.baseUrl}/api/v2/admin/api-keys`, { headers: admin });
    expect(response.status).toBe(200);
    const keys = (await response.json()) as Record<string, unknown>[];
    expect(keys.length).toBeGreaterThan(3);
    for (const key of keys) {
      expect(Object.keys(key).sort()).toEqual([
        'createdAt',
        'expiresAt',
        'id',
        'lastUsedAt',
        'name',
        'revokedAt',
        'scopes',
      ]);
    }
    expect(keys.find((key) => key.name === 'admin (bootstrap)')?.lastUsedAt).not.toBeNull();
  });

  it('should answer 400 for a malformed id and 404 for an unknown one', async () => {
    expect((await revoke('not-a-uuid')).status).toBe(400);
    expect((await revoke('6f1c1f7e-0000-4000-8000-000000000000')).status).toBe(404);
  });

  it('should refuse to revoke the last active admin key', async () => {
    const [{ id }] = await database.query<{ id: string }>("SELECT id FROM api_keys WHERE name = 'admin (bootstrap)'");
    expect((await revoke(id)).status).toBe(409);
    expect((await whoami(ADMIN_KEY)).status).toBe(200);
  });
});
