import { ApiKeysService } from '@app/auth';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { logLines, RunningApi, startApi } from './support/api';
import { ADMIN_KEY, testConfig, TestDatabase, TestRedisPrefix } from './support/infra';

interface DashboardQueues {
  queues: { name: string; readOnlyMode: boolean; counts: Record<string, number>; jobs: { id: string }[] }[];
}

type HeaderSet = Record<string, string>;

const basic = (key: string, user = 'anyone'): string => `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}`;

describe('Queue dashboard', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let api: RunningApi;
  let collector = '';

  const dashboard = (path: string, headers: HeaderSet = {}): Promise<Response> =>
    fetch(`${api.baseUrl}/admin/queues${path}`, { headers });
  const postApi = async (path: string, body: unknown, key = ADMIN_KEY): Promise<Response> =>
    fetch(`${api.baseUrl}/api/v2${path}`, {
      method: 'POST',
      headers: { 'x-api-key': key, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  beforeAll(async () => {
    await database.create();
    // No processor in the API: a submitted job stays waiting in the queue.
    api = await startApi(testConfig(database, redis, { JOBS_RUN_IN_API: 'false' }));
    const created = await postApi('/admin/api-keys', { name: 'collector', scopes: ['read', 'collect'] });
    expect(created.status).toBe(201);
    collector = ((await created.json()) as { key: string }).key;
  });

  afterAll(async () => {
    await api?.close();
    await database.drop();
    await redis.clear();
  });

  it('should answer 401 with a Basic challenge and the usual error body without a key', async () => {
    for (const path of ['', '/', '/api/queues', '/static/favicon-32x32.png', '/no-such-page']) {
      const response = await dashboard(path, { 'x-request-id': 'dash-401' });
      expect(response.status, path).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="queues"');
      expect(await response.json()).toMatchObject({
        statusCode: 401,
        error: 'Unauthorized',
        requestId: 'dash-401',
        message: expect.any(String),
      });
    }
    // Another spelling of the same route is guarded too: the check goes by the matched route.
    expect((await fetch(`${api.baseUrl}/admin/%71ueues/api/queues`)).status).toBe(401);
  });

  it('should answer 401 for a wrong key, however it is sent', async () => {
    const wrong = 'kra_not-a-key-that-exists-anywhere-00';
    for (const headers of <HeaderSet[]>[
      { 'x-api-key': wrong },
      { authorization: `Bearer ${wrong}` },
      { authorization: basic(wrong) },
      { authorization: basic('') },
      { authorization: 'Digest abc' },
    ]) {
      const response = await dashboard('/', headers);
      expect(response.status, JSON.stringify(headers)).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Basic realm="queues"');
    }
  });

  it('should answer 403 to a valid key without the admin scope, on the page and on its API', async () => {
    for (const path of ['/', '/api/queues']) {
      for (const headers of <HeaderSet[]>[{ 'x-api-key': collector }, { authorization: basic(collector) }]) {
        const response = await dashboard(path, headers);
        expect(response.status, path).toBe(403);
        expect(response.headers.get('www-authenticate')).toBeNull();
        expect(await response.json()).toMatchObject({
          statusCode: 403,
          error: 'Forbidden',
          message: expect.stringContaining("'admin' scope"),
        });
      }
    }
  });

  it('should serve the page to an admin key in X-API-Key, Bearer or Basic auth', async () => {
    for (const headers of <HeaderSet[]>[
      { 'x-api-key': ADMIN_KEY },
      { authorization: `Bearer ${ADMIN_KEY}` },
      { authorization: basic(ADMIN_KEY) },
      { authorization: basic(ADMIN_KEY, '') },
    ]) {
      const response = await dashboard('', headers);
      expect(response.status, JSON.stringify(headers)).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      const html = await response.text();
      // An absolute base (no credentials in it), and no fonts from another site.
      expect(html).toContain(`<base href="${api.baseUrl}/admin/queues/"`);
      expect(html).toContain('KRA jobs');
      expect(html).not.toContain('fonts.googleapis.com');
      // The dashboard's own policy: nothing from other sites, no inline scripts.
      const csp = response.headers.get('content-security-policy') ?? '';
      expect(csp).not.toContain('https://');
      expect(csp).toMatch(/script-src 'self'(;|$)/);
    }
    // Not part of the documented API.
    const document = (await (await fetch(`${api.baseUrl}/docs/json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((path) => path.includes('queues'))).toEqual([]);
    // Everywhere else the API-wide policy holds.
    const health = await fetch(`${api.baseUrl}/health/live`);
    expect(health.headers.get('content-security-policy')).not.toContain('fonts.googleapis.com');
  });

  it('should load a static asset of the page with an admin key', async () => {
    const html = await (await dashboard('/', { authorization: basic(ADMIN_KEY) })).text();
    const script = /<script defer src="(static\/js\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const response = await dashboard(`/${script}`, { authorization: basic(ADMIN_KEY) });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('javascript');
    expect((await response.text()).length).toBeGreaterThan(1000);
    expect((await dashboard(`/${script}`)).status).toBe(401);
  });

  it('should list the collection queue and its jobs in its JSON API, read-only', async () => {
    const submitted = await postApi('/collection/races', { date: '2025-05-23', meet: 3 });
    expect(submitted.status).toBe(202);
    const { jobId } = (await submitted.json()) as { jobId: string };

    const response = await dashboard('/api/queues?activeQueue=collection&status=latest&page=1&jobsPerPage=10', {
      'x-api-key': ADMIN_KEY,
    });
    expect(response.status).toBe(200);
    const { queues } = (await response.json()) as DashboardQueues;
    expect(queues.map((queue) => queue.name)).toEqual(['collection']);
    expect(queues[0]).toMatchObject({ readOnlyMode: true, counts: { waiting: 1 } });
    expect(queues[0].jobs.map((job) => job.id)).toEqual([jobId]);

    // Read-only: no cleaning or removing jobs behind the jobs API's back.
    const clean = await fetch(`${api.baseUrl}/admin/queues/api/queues/collection/clean/waiting`, {
      method: 'PUT',
      headers: { 'x-api-key': ADMIN_KEY, 'x-request-id': 'dash-405' },
    });
    expect(clean.status).toBe(405);
    // In the API's one error shape, not the board's translation key.
    expect(await clean.json()).toEqual({
      statusCode: 405,
      error: 'Method Not Allowed',
      message: 'The queue dashboard is read-only: cancel and retry jobs through /api/v2/jobs',
      requestId: 'dash-405',
    });
    const unknown = await fetch(`${api.baseUrl}/admin/queues/api/queues/nope/pause`, {
      method: 'PUT',
      headers: { 'x-api-key': ADMIN_KEY },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ statusCode: 404, error: 'Not Found', requestId: expect.any(String) });
  });

  it('should answer a bare 500 and log the cause when the key cannot be checked', async () => {
    const verify = vi.spyOn(api.app.get(ApiKeysService), 'verify').mockRejectedValueOnce(new Error('database gone'));
    try {
      const response = await dashboard('/', { authorization: basic(ADMIN_KEY), 'x-request-id': 'dash-500' });
      expect(response.status).toBe(500);
      const body = (await response.json()) as { message: string; requestId: string };
      expect(body).toMatchObject({ statusCode: 500, requestId: 'dash-500' });
      expect(body.message).not.toContain('database gone');
      expect(
        logLines(api.logs).some(
          (entry) => entry.requestId === 'dash-500' && JSON.stringify(entry).includes('database gone'),
        ),
      ).toBe(true);
    } finally {
      verify.mockRestore();
    }
  });

  it('should log dashboard requests with the key id, never the key', async () => {
    await dashboard('/api/queues', { authorization: basic(ADMIN_KEY), 'x-request-id': 'dash-log-basic' });
    await dashboard('/api/queues', { authorization: basic(collector), 'x-request-id': 'dash-log-forbidden' });
    await dashboard('/', { authorization: `Bearer ${ADMIN_KEY}`, 'x-request-id': 'dash-log-bearer' });
    const whoami = (await (
      await fetch(`${api.baseUrl}/api/v2/whoami`, { headers: { 'x-api-key': ADMIN_KEY } })
    ).json()) as { id: string };

    const lines = logLines(api.logs);
    const line = (requestId: string): Record<string, unknown> | undefined =>
      lines.find((entry) => entry.msg === 'request' && entry.requestId === requestId);
    expect(line('dash-log-basic')).toMatchObject({
      method: 'GET',
      route: '/admin/queues/api/queues',
      status: 200,
      apiKeyId: whoami.id,
    });
    expect(line('dash-log-forbidden')).toMatchObject({ status: 403, apiKeyId: expect.any(String) });
    expect(line('dash-log-bearer')).toMatchObject({ status: 200, route: '/admin/queues' });

    const logs = api.logs.join('\n');
    for (const secret of [ADMIN_KEY, collector, basic(ADMIN_KEY).slice(6), basic(collector).slice(6)])
      expect(logs).not.toContain(secret);
  });
});
