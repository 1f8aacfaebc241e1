import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logLines, RunningApi, startApi } from './support/api';
import { ADMIN_KEY, CLOSED_PORT, testConfig, TestDatabase, TestRedisPrefix } from './support/infra';

const UPSTREAM_SERVICE_KEY = 'upstream-service-key-Zx81Qa';

/** Routes that only tests mount: one that fails inside, one that fails calling an upstream. */
@ApiExcludeController()
@Controller('test-failures')
class FailuresController {
  @Post('internal')
  internal(@Body() _body: unknown): never {
    throw new Error('relation "race_secret" does not exist: SELECT * FROM race_secret WHERE password = \'hunter2\'');
  }

  @Get('upstream')
  async upstream(): Promise<never> {
    const url = `http://127.0.0.1:${CLOSED_PORT}/B551015/API26_2/entrySheet_2?serviceKey=${UPSTREAM_SERVICE_KEY}&meet=1`;
    try {
      await fetch(url);
    } catch (error) {
      throw new Error(`GET ${url} failed: ${(error as Error).message}`, { cause: error });
    }
    throw new Error('unreachable');
  }
}

@Module({ controllers: [FailuresController] })
class FailuresModule {}

describe('HTTP edge', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let api: RunningApi;
  const auth = { 'x-api-key': ADMIN_KEY };

  beforeAll(async () => {
    await database.create();
    api = await startApi(testConfig(database, redis, { CORS_ORIGINS: 'https://analytics.example' }), [FailuresModule]);
  });

  afterAll(async () => {
    await api?.close();
    await database.drop();
    await redis.clear();
  });

  it('should name in its start-up log only routes that exist', () => {
    const fastify = api.app.getHttpAdapter().getInstance();
    const mapped = logLines(api.logs)
      .map((entry) => /^Mapped \{(\S+), (\w+)\} route$/.exec(String(entry.msg)))
      .filter((match): match is RegExpExecArray => match !== null);
    expect(mapped.map(([, path]) => path)).toEqual(
      expect.arrayContaining(['/health/live', '/health/ready', '/metrics', '/api/v2/whoami']),
    );
    for (const [, url, method] of mapped) expect(fastify.hasRoute({ url, method }), `${method} ${url}`).toBe(true);
    expect(api.logs.filter((line) => /\/api\/v2\/(health|metrics)\b/.test(line))).toEqual([]);
  });

  describe('request ids', () => {
    it('should echo a sane incoming X-Request-Id and log it on the request line', async () => {
      const response = await fetch(`${api.baseUrl}/api/v2/whoami`, {
        headers: { ...auth, 'x-request-id': 'trace-42.abc_DEF' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-request-id')).toBe('trace-42.abc_DEF');
      const line = logLines(api.logs).find(
        (entry) => entry.msg === 'request' && entry.requestId === 'trace-42.abc_DEF',
      );
      expect(line).toMatchObject({ method: 'GET', route: '/api/v2/whoami', status: 200 });
      expect(typeof line?.durationMs).toBe('number');
      expect(line?.apiKeyId).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('should replace a request id that is too long', async () => {
      const hostile = 'a'.repeat(129);
      const response = await fetch(`${api.baseUrl}/health/live`, { headers: { 'x-request-id': hostile } });
      expect(response.headers.get('x-request-id')).not.toBe(hostile);
      expect(response.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('should replace a request id carrying a newline or other unsafe characters', async () => {
      for (const hostile of ['abc\ninjected', 'abc def', 'abc%0Ainjected', '../etc']) {
        const response = await api.app.inject({
          method: 'GET',
          url: '/health/live',
          headers: { 'x-request-id': hostile },
        });
        expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      }
    });

    it('should give every response, errors included, a request id', async () => {
      const response = await fetch(`${api.baseUrl}/no/such/route`);
      const body = (await response.json()) as { requestId: string };
      expect(response.headers.get('x-request-id')).toBe(body.requestId);
    });
  });

  describe('errors', () => {
    it('should answer an unknown field with 400 naming the field', async () => {
      const response = await fetch(`${api.baseUrl}/api/v2/admin/api-keys`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x', scopes: ['read'], colour: 'red' }),
      });
      expect(response.status).toBe(400);
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: 'Validation failed' });
      expect(body.requestId).toEqual(expect.any(String));
      expect(body.details).toEqual([{ field: 'colour', reason: 'property colour should not exist' }]);
    });

    it('should list each invalid field with its reason', async () => {
      const response = await fetch(`${api.baseUrl}/api/v2/admin/api-keys`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: '', scopes: ['read', 'root'], expiresAt: 'yesterday' }),
      });
      expect(response.status).toBe(400);
      const { details } = (await response.json()) as { details: { field: string; reason: string }[] };
      expect(details.map((problem) => problem.field).sort()).toEqual(['expiresAt', 'name', 'scopes']);
      expect(details.find((problem) => problem.field === 'scopes')?.reason).toContain('read, collect, admin');
    });

    it('should answer malformed JSON with 400', async () => {
      const response = await fetch(`${api.baseUrl}/api/v2/admin/api-keys`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: '{"name": "x", "scopes": [',
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        statusCode: 400,
        error: 'Bad Request',
        message: 'Malformed JSON body',
      });
    });

    it('should answer a 2 MB body with 413', async () => {
      const response = await fetch(`${api.baseUrl}/api/v2/admin/api-keys`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), scopes: ['read'] }),
      });
      expect(response.status).toBe(413);
      expect(await response.json()).toMatchObject({
        statusCode: 413,
        error: 'Payload Too Large',
        requestId: expect.any(String),
      });
    });

    const post = (path: string, body: string): Promise<Response> =>
      fetch(`${api.baseUrl}/api/v2${path}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body,
      });
    const problems = async (
      response: Response,
    ): Promise<{ status: number; body: { requestId?: string; details?: { field: string; reason: string }[] } }> => ({
      status: response.status,
      body: (await response.json()) as { requestId?: string; details?: { field: string; reason: string }[] },
    });

    it.each([
      '/admin/api-keys',
      '/collection/races',
      '/collection/backfill',
      '/jobs/00000000-0000-4000-8000-000000000000/cancel',
    ])('should answer a body nested thousands of levels deep (3 KB) with 400 on POST %s', async (path) => {
      const deep = `{"name": ${'['.repeat(1_500)}${']'.repeat(1_500)}}`;
      const { status, body } = await problems(await post(path, deep));
      expect(status).toBe(400);
      expect(body.details).toEqual([{ field: 'body', reason: 'is nested 1501 levels deep; at most 32 are accepted' }]);
      expect(body.requestId).toEqual(expect.any(String));
    });

    it('should refuse control characters in text fields with 400 naming the field, and store nothing', async () => {
      const { status, body } = await problems(
        await post('/admin/api-keys', JSON.stringify({ name: 'a\u0000b', scopes: ['read'] })),
      );
      expect(status).toBe(400);
      expect(body.details).toEqual([{ field: 'name', reason: 'must not contain control characters (U+0000)' }]);
      const nested = await problems(
        await post('/collection/races', JSON.stringify({ date: '2025-05-23', meet: 3, include: ['details\u0007'] })),
      );
      expect(nested.body.details).toEqual([
        { field: 'include[0]', reason: 'must not contain control characters (U+0007)' },
      ]);
      const [{ count }] = await database.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM api_keys WHERE name LIKE 'a%b'`,
      );
      expect(count).toBe(0);
    });

    it('should refuse reserved names (__proto__, constructor.prototype, prototype) naming the field, not as malformed JSON', async () => {
      const cases: [string, string][] = [
        ['{"name":"x","scopes":["read"],"constructor":{"prototype":{"admin":true}}}', 'constructor'],
        ['{"name":"x","scopes":["read"],"__proto__":{"admin":true}}', '__proto__'],
        ['{"name":"x","scopes":["read"],"prototype":1}', 'prototype'],
      ];
      for (const [text, field] of cases) {
        const { status, body } = await problems(await post('/admin/api-keys', text));
        expect(status, text).toBe(400);
        expect(body.details).toEqual([{ field, reason: `"${field}" is a reserved name, not a field` }]);
      }
    });

    it('should refuse an expiry that is not a real calendar date, and a collection years ahead', async () => {
      const expiry = await problems(
        await post('/admin/api-keys', JSON.stringify({ name: 'x', scopes: ['read'], expiresAt: '2027-02-30' })),
      );
      expect(expiry.status).toBe(400);
      expect(expiry.body.details?.map((problem) => problem.field)).toEqual(['expiresAt']);
      expect(expiry.body.details?.[0].reason).toContain('real calendar date');
      const ahead = await problems(await post('/collection/races', JSON.stringify({ date: '2031-05-03', meet: 1 })));
      expect(ahead.status).toBe(400);
      expect(ahead.body.details).toEqual([
        { field: 'date', reason: expect.stringMatching(/^date must be at most 14 days after today in Asia\/Seoul/) },
      ]);
    });

    it('should name the field of a bad API key id', async () => {
      const response = await fetch(`${api.baseUrl}/api/v2/admin/api-keys/not-an-id`, {
        method: 'DELETE',
        headers: auth,
      });
      const { status, body } = await problems(response);
      expect(status).toBe(400);
      expect(body.details).toEqual([{ field: 'id', reason: 'id must be the id of an API key (a UUID)' }]);
    });

    it('should answer what the HTTP parser and the router refuse (431, 414, malformed requests) in the one shape, without echoing the URL', async () => {
      const shape = (body: unknown): string[] => Object.keys(body as object).sort();
      const big = await fetch(`${api.baseUrl}/api/v2/whoami`, {
        headers: { ...auth, 'x-padding': 'a'.repeat(20_000) },
      });
      expect(big.status).toBe(431);
      const bigBody = (await big.json()) as { requestId: string };
      expect(shape(bigBody)).toEqual(['error', 'message', 'requestId', 'statusCode']);
      expect(big.headers.get('x-request-id')).toBe(bigBody.requestId);

      const longSegment = 'x'.repeat(2_000);
      const long = await fetch(`${api.baseUrl}/api/v2/horses/${longSegment}`, { headers: auth });
      expect(long.status).toBe(414);
      const longText = await long.text();
      expect(shape(JSON.parse(longText))).toEqual(['error', 'message', 'requestId', 'statusCode']);
      expect(longText).not.toContain(longSegment.slice(0, 50));
      // A segment within the router's limit reaches its validator, which names it.
      const named = await problems(await fetch(`${api.baseUrl}/api/v2/horses/${'1'.repeat(200)}`, { headers: auth }));
      expect(named.body.details?.map((problem) => problem.field)).toEqual(['hrNo']);

      const { port } = new URL(api.baseUrl);
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.end('GET / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'),
        );
        let text = '';
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      const rawBody = JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
      expect(rawBody).toEqual({
        statusCode: 400,
        error: 'Bad Request',
        message: 'Malformed HTTP request',
        requestId: expect.any(String),
      });
    });

    it('should answer an unknown route with 404 in the same shape', async () => {
      const response = await fetch(`${api.baseUrl}/api/v2/no-such-thing`, { headers: auth });
      expect(response.status).toBe(404);
      expect(Object.keys((await response.json()) as object).sort()).toEqual([
        'error',
        'message',
        'requestId',
        'statusCode',
      ]);
    });

    it('should answer an internal error with 500, the request id and no internals', async () => {
      const response = await fetch(`${api.baseUrl}/api/v2/test-failures/internal`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'x-request-id': 'boom-1' },
        body: '{}',
      });
      expect(response.status).toBe(500);
      const text = await response.text();
      expect(JSON.parse(text)).toEqual({
        statusCode: 500,
        error: 'Internal Server Error',
        message: expect.any(String),
        requestId: 'boom-1',
      });
      for (const internal of ['race_secret', 'SELECT', 'hunter2', 'at ', '.ts:']) expect(text).not.toContain(internal);
      // ...while the log keeps the cause for whoever investigates.
      expect(api.logs.some((line) => line.includes('boom-1') && line.includes('race_secret'))).toBe(true);
    });
  });

  describe('redaction', () => {
    it('should keep every secret sent in headers, query strings, bodies and upstream URLs out of the logs', async () => {
      const headerKey = 'kra_header-secret-0001-abcdefghijk';
      const bodySecret = 'body-service-key-Qw12Er34';
      const nestedApiKey = 'kra_nested-secret-0002-abcdefghijk';
      const bearer = 'bearer-token-secret-5566';
      const cookie = 'session=cookie-secret-7788';
      const secrets = [
        headerKey,
        bodySecret,
        nestedApiKey,
        bearer,
        'cookie-secret-7788',
        UPSTREAM_SERVICE_KEY,
        ADMIN_KEY,
      ];

      await fetch(`${api.baseUrl}/api/v2/whoami`, {
        headers: { 'x-api-key': headerKey, authorization: `Bearer ${bearer}`, cookie },
      });
      await fetch(`${api.baseUrl}/api/v2/whoami?serviceKey=${bodySecret}&x-api-key=${headerKey}`, { headers: auth });
      await fetch(`${api.baseUrl}/api/v2/test-failures/internal?serviceKey=${bodySecret}`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', authorization: `Bearer ${bearer}`, cookie },
        body: JSON.stringify({ serviceKey: bodySecret, nested: { deeper: [{ apiKey: nestedApiKey }] } }),
      });
      const upstream = await fetch(`${api.baseUrl}/api/v2/test-failures/upstream`, { headers: auth });
      expect(upstream.status).toBe(500);
      expect(await upstream.text()).not.toContain(UPSTREAM_SERVICE_KEY);

      const logs = api.logs.join('\n');
      expect(logs).toContain('entrySheet_2'); // the upstream failure was logged...
      for (const secret of secrets) expect(logs).not.toContain(secret); // ...without its key
      expect(logs).not.toContain(createHash('sha256').update(ADMIN_KEY).digest('hex'));
    });
  });

  describe('health', () => {
    it('should report ready with both dependencies up, and live', async () => {
      const ready = await fetch(`${api.baseUrl}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        status: 'ok',
        // No KRA_SERVICE_KEY in tests: the API runs on the in-process sandbox and says so.
        info: {
          database: { status: 'up' },
          redis: { status: 'up' },
          queue: { status: 'up' },
          kra: { status: 'up', mode: 'sandbox' },
        },
      });
      expect((await fetch(`${api.baseUrl}/health/live`)).status).toBe(200);
    });

    it('should keep the probes outside /api, public and unlimited', async () => {
      const response = await fetch(`${api.baseUrl}/health/live`);
      expect(response.headers.get('x-ratelimit-limit')).toBeNull();
      expect((await fetch(`${api.baseUrl}/api/v2/health/live`)).status).toBe(404);
    });
  });

  describe('metrics', () => {
    it('should expose the request histogram labelled by route template, never the raw URL', async () => {
      await fetch(`${api.baseUrl}/api/v2/admin/api-keys/6f1c1f7e-0000-4000-8000-000000000000`, {
        method: 'DELETE',
        headers: auth,
      });
      const response = await fetch(`${api.baseUrl}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toContain('process_cpu_user_seconds_total');
      expect(text).toMatch(/^jobs_queue_depth\{state="waiting"\} \d+$/m);
      expect(text).toMatch(
        /http_request_duration_seconds_bucket\{[^}]*route="\/api\/v2\/admin\/api-keys\/:id"[^}]*status="404"/,
      );
      expect(text).toMatch(
        /http_request_duration_seconds_count\{method="GET",route="\/api\/v2\/whoami",status="200"\}/,
      );
      expect(text).not.toContain('6f1c1f7e-0000');
      expect(text).not.toContain('no-such-thing');
    });
  });

  describe('swagger', () => {
    it('should serve the UI at /docs', async () => {
      const response = await fetch(`${api.baseUrl}/docs`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/html');
      expect(await response.text()).toContain('swagger-ui');
    });

    it('should serve an OpenAPI 3 document with the API-key scheme at /docs/json', async () => {
      const document = (await (await fetch(`${api.baseUrl}/docs/json`)).json()) as {
        openapi: string;
        components: { securitySchemes: Record<string, unknown> };
        paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>>;
      };
      expect(document.openapi).toMatch(/^3\./);
      expect(document.components.securitySchemes['api-key']).toEqual({
        type: 'apiKey',
        in: 'header',
        name: 'X-API-Key',
      });
      const create = document.paths['/api/v2/admin/api-keys'].post;
      expect(create.security).toEqual([{ 'api-key': [] }]);
      expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '429']));
      expect(
        Object.keys(document.paths).some((path) => path.startsWith('/health') || path.startsWith('/test-failures')),
      ).toBe(false);
    });
  });

  describe('edge', () => {
    it('should send security headers', async () => {
      const response = await fetch(`${api.baseUrl}/health/live`);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toContain("default-src 'self'");
    });

    it('should allow CORS only for configured origins', async () => {
      const allowed = await fetch(`${api.baseUrl}/health/live`, { headers: { origin: 'https://analytics.example' } });
      expect(allowed.headers.get('access-control-allow-origin')).toBe('https://analytics.example');
      const other = await fetch(`${api.baseUrl}/health/live`, { headers: { origin: 'https://evil.example' } });
      expect(other.headers.get('access-control-allow-origin')).toBeNull();
    });
  });
});
