import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS } from '../libs/database/src/migrations';
import { REDIS_URL, TestDatabase, TestRedisPrefix, testEnv, uniqueName } from './support/infra';
import { API_MAIN, freePort, MIGRATE_MAIN, NodeProcess, OPENAPI_MAIN, WORKER_MAIN } from './support/processes';

/** The built entry points, run as real processes. */
describe('Processes', () => {
  it('should refuse a bad configuration with one message naming every bad variable', async () => {
    const api = new NodeProcess(API_MAIN, { DATABASE_URL: 'mysql://nowhere', PORT: 'eighty', REDIS_URL: REDIS_URL });
    expect(await api.exited).toBe(1);
    expect(api.stderr).toContain('Invalid configuration');
    expect(api.stderr).toContain('DATABASE_URL: must be a postgres:// or postgresql:// URL');
    expect(api.stderr).toContain('PORT: must be an integer from 1 to 65535');
    expect(api.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(api.stderr.match(/Invalid configuration/g)).toHaveLength(1);
  });

  describe('two API replicas starting together on an empty database', () => {
    const database = new TestDatabase();
    const redis = new TestRedisPrefix();
    const replicas: NodeProcess[] = [];
    const ports: number[] = [];
    let adminKey: string;

    beforeAll(async () => {
      await database.create();
      for (let i = 0; i < 2; i += 1) ports.push(await freePort());
      const { ADMIN_API_KEY: _none, ...env } = testEnv(database, redis, {
        RATE_LIMIT_READ: '4',
        SHUTDOWN_GRACE_MS: '10000',
      });
      for (const port of ports) replicas.push(new NodeProcess(API_MAIN, { ...env, PORT: String(port) }));
      await Promise.all(replicas.map((replica) => replica.listening()));
      adminKey = /^\s+(kra_\S+)$/m.exec(replicas.map((replica) => replica.stdout).join('\n'))?.[1] ?? '';
    });

    afterAll(async () => {
      replicas.forEach((replica) => replica.kill());
      await Promise.all(replicas.map((replica) => replica.exited));
      await database.drop();
      await redis.clear();
    });

    it('should bring both up and ready', async () => {
      for (const port of ports) expect((await fetch(`http://127.0.0.1:${port}/health/ready`)).status).toBe(200);
    });

    it('should have run each migration once', async () => {
      const rows = await database.query<{ name: string }>('SELECT name FROM migrations');
      expect(rows.map((row) => row.name)).toEqual(MIGRATIONS.map((migration) => migration.name));
    });

    it('should generate one admin key, printed once by one replica', async () => {
      const printed = replicas.filter((replica) => replica.stdout.includes('It is shown only this once'));
      expect(printed).toHaveLength(1);
      expect(adminKey).toMatch(/^kra_[A-Za-z0-9_-]{43}$/);
      const admins = await database.query("SELECT id FROM api_keys WHERE 'admin' = ANY(scopes)");
      expect(admins).toHaveLength(1);
      for (const port of ports) {
        const response = await fetch(`http://127.0.0.1:${port}/api/v2/whoami`, { headers: { 'x-api-key': adminKey } });
        expect(response.status).toBe(200);
      }
    });

    it('should share one rate limit across both replicas', async () => {
      // whoami was called once per replica above: 2 of the 4 allowed requests are spent.
      const statuses: number[] = [];
      for (let i = 0; i < 3; i += 1) {
        const port = ports[i % 2];
        statuses.push(
          (await fetch(`http://127.0.0.1:${port}/api/v2/whoami`, { headers: { 'x-api-key': adminKey } })).status,
        );
      }
      expect(statuses).toEqual([200, 200, 429]);
    });

    it('should finish an in-flight request on SIGTERM, then exit 0', async () => {
      const [replica] = replicas;
      const body = JSON.stringify({ name: 'created during shutdown', scopes: ['read'] });
      const socket = connect(ports[0], '127.0.0.1');
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      let response = '';
      socket.on('data', (chunk: Buffer) => (response += chunk.toString('utf8')));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      socket.write(
        `POST /api/v2/admin/api-keys HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${adminKey}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
      );
      socket.write(body.slice(0, 10)); // the request is now in flight, its body still arriving
      await new Promise((resolve) => setTimeout(resolve, 300));
      replica.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 500));
      await expect(fetch(`http://127.0.0.1:${ports[0]}/health/live`)).rejects.toThrow(); // no longer accepting
      socket.write(body.slice(10)); // no half-close: Node aborts a request whose client sends FIN early
      await closed;
      expect(response).toMatch(/^HTTP\/1\.1 201/);
      expect(await replica.exited).toBe(0);
      expect(replica.stdout).toContain('Shut down cleanly');
      const created = await database.query("SELECT id FROM api_keys WHERE name = 'created during shutdown'");
      expect(created).toHaveLength(1);
    });
  });

  it('should apply migrations with npm run migration:run, creating the database if missing', async () => {
    const name = uniqueName('kra_test');
    const database = Object.assign(new TestDatabase(), {
      name,
      url: `${new TestDatabase().url.replace(/\/[^/]+$/, '')}/${name}`,
    });
    try {
      const first = new NodeProcess(MIGRATE_MAIN, { DATABASE_URL: database.url, LOG_LEVEL: 'info' });
      expect(await first.exited).toBe(0);
      expect(first.stdout).toContain(`Applied ${MIGRATIONS.length} migration(s)`);
      const second = new NodeProcess(MIGRATE_MAIN, { DATABASE_URL: database.url, LOG_LEVEL: 'info' });
      expect(await second.exited).toBe(0);
      expect(second.stdout).toContain('Database schema is up to date');
      const rows = await database.query('SELECT name FROM migrations');
      expect(rows).toHaveLength(MIGRATIONS.length);
    } finally {
      await database.drop();
    }
  });

  describe('worker', () => {
    const database = new TestDatabase();
    const redis = new TestRedisPrefix();
    let worker: NodeProcess;
    let port: number;

    beforeAll(async () => {
      await database.create();
      port = await freePort();
      worker = new NodeProcess(WORKER_MAIN, { ...testEnv(database, redis), WORKER_PORT: String(port) });
      await worker.listening();
    });

    afterAll(async () => {
      worker.kill('SIGTERM');
      expect(await worker.exited).toBe(0);
      await database.drop();
    });

    it('should serve its own probes and metrics, and no API routes', async () => {
      expect((await fetch(`http://127.0.0.1:${port}/health/live`)).status).toBe(200);
      const ready = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        info: {
          database: { status: 'up' },
          redis: { status: 'up' },
          queue: { status: 'up' },
          kra: { mode: 'sandbox' },
        },
      });
      expect(worker.stdout).toContain('KRA_SERVICE_KEY is not set: started the KRA sandbox in this process');
      const metrics = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(await metrics.text()).toContain('process_resident_memory_bytes');
      expect((await fetch(`http://127.0.0.1:${port}/api/v2/whoami`)).status).toBe(404);
      expect((await fetch(`http://127.0.0.1:${port}/docs`)).status).toBe(404);
    });
  });

  it('should keep the committed openapi.json identical to what `npm run openapi` generates', async () => {
    const target = join(tmpdir(), `${uniqueName('openapi')}.json`);
    const generator = new NodeProcess(OPENAPI_MAIN, {}, [target]);
    expect(await generator.exited).toBe(0);
    expect(readFileSync(target, 'utf8')).toBe(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8'));
  });
});
