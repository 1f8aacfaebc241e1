import { createKraSandbox, KraSandbox } from '@app/kra-sandbox';
import { ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RunningApi, startApi } from './support/api';
import { logicalDump } from './support/dump';
import { testConfig, TestDatabase, testEnv, TestRedisPrefix } from './support/infra';
import { hasEnded, JobsApi } from './support/jobs-api';
import { CLI_MAIN, freePort, NodeProcess, sleep, WORKER_MAIN } from './support/processes';

interface Job {
  id: string;
  status: string;
  step: string | null;
  progress: number;
  attempts: number;
  events: { message: string }[];
}

/** Slow horse lookups: a day's details step lasts seconds, long enough to strike in the middle of it. */
const SLOW_HORSES = { latencyMs: 120 };

const inDetails = (job: Job): boolean => job.status === 'running' && (job.step ?? '').startsWith('details');

describe('Collection jobs: worker crashes and shutdowns', () => {
  const database = new TestDatabase();
  /** The same days collected once, uninterrupted, by the CLI: what the interrupted runs must equal. */
  const reference = new TestDatabase();
  const redis = new TestRedisPrefix();
  let sandbox: KraSandbox;
  let api: RunningApi;
  const jobsApi = new JobsApi<Job>(() => api.baseUrl);
  const workers: NodeProcess[] = [];

  const kraEnv = (): Record<string, string> => ({ KRA_BASE_URL: sandbox.url, KRA_REQUESTS_PER_SECOND: '1000' });
  const startWorker = async (): Promise<NodeProcess> => {
    const worker = new NodeProcess(WORKER_MAIN, {
      ...testEnv(database, redis, kraEnv()),
      WORKER_PORT: String(await freePort()),
      // A dead worker's claim lapses after 2 s and is noticed within 1 s more.
      JOBS_LOCK_MS: '2000',
      JOBS_STALLED_INTERVAL_MS: '1000',
      SHUTDOWN_GRACE_MS: '5000',
    });
    workers.push(worker);
    await worker.listening();
    return worker;
  };
  /** Each test starts with no worker: a job must run in the worker the test means it to. */
  const stopWorkers = async (): Promise<void> => {
    for (const worker of workers.splice(0)) {
      worker.kill();
      await worker.exited;
    }
  };
  const collectReference = async (date: string, meet: number): Promise<void> => {
    const cli = new NodeProcess(CLI_MAIN, testEnv(reference, redis, kraEnv()), [
      'collect',
      '--date',
      date,
      '--meet',
      String(meet),
    ]);
    expect(await cli.exited, cli.stderr + cli.stdout).toBe(0);
  };

  beforeAll(async () => {
    await Promise.all([database.create(), reference.create()]);
    sandbox = await createKraSandbox();
    await sandbox.listen();
    api = await startApi(
      testConfig(database, redis, { ...kraEnv(), JOBS_RUN_IN_API: 'false', RATE_LIMIT_COLLECT: '1000000' }),
    );
  });

  afterAll(async () => {
    await stopWorkers();
    await api?.close();
    await sandbox?.close();
    await Promise.all([database.drop(), reference.drop()]);
    await redis.clear();
  });

  it('should finish a job on another worker after its worker is killed mid-run, with the data of an uninterrupted run', async () => {
    await stopWorkers();
    sandbox.setFaults('API8_2', SLOW_HORSES);
    const first = await startWorker();
    const id = await jobsApi.submit('/collection/races', { date: '2025-05-24', meet: 1 });
    const caught = await jobsApi.waitFor(id, inDetails);
    first.kill('SIGKILL');
    await first.exited;
    // The killed worker's row still says running; nothing has ended it.
    expect((await jobsApi.waitFor(id, () => true)).status).toBe('running');

    await startWorker();
    const final = await jobsApi.waitFor(id, hasEnded);
    expect(final).toMatchObject({ status: 'succeeded', progress: 100, attempts: 1 });
    // Resumed, not retried: the crash did not spend an attempt.
    expect(final.events.filter((event) => event.message === 'attempt 1 started')).toHaveLength(2);
    expect(caught.progress).toBeLessThan(100);

    sandbox.setFaults('API8_2', null);
    await collectReference('2025-05-24', 1);
    expect(await logicalDump(database)).toEqual(await logicalDump(reference));
  }, 120_000);

  it('should hand a running job back on SIGTERM, exit within the grace period, and resume it elsewhere', async () => {
    await stopWorkers();
    sandbox.setFaults('API8_2', SLOW_HORSES);
    const busy = await startWorker();
    const id = await jobsApi.submit('/collection/races', { date: '2025-05-25', meet: 3 });
    await jobsApi.waitFor(id, inDetails);
    const signalled = Date.now();
    busy.kill('SIGTERM');
    const code = await busy.exited;
    const exitMs = Date.now() - signalled;
    expect(code, busy.stdout + busy.stderr).toBe(0);
    expect(exitMs).toBeLessThan(5000);

    const handedBack = await jobsApi.waitFor(id, () => true);
    expect(handedBack, busy.stdout).toMatchObject({ status: 'queued', step: 'waiting to resume', attempts: 1 });
    expect(handedBack.events.at(-1)?.message).toMatch(/^interrupted at "details \d+\/\d+" by a worker shutdown/);

    await startWorker();
    const final = await jobsApi.waitFor(id, hasEnded);
    expect(final).toMatchObject({ status: 'succeeded', progress: 100, attempts: 1 });

    sandbox.setFaults('API8_2', null);
    await collectReference('2025-05-25', 3);
    expect(await logicalDump(database)).toEqual(await logicalDump(reference));
  }, 120_000);
});

/** A Redis server of this test's own, so that restarting it disturbs no other test. */
class OwnRedis {
  private server?: ChildProcess;
  constructor(readonly port: number) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.server = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    for (let tries = 0; tries < 100; tries += 1) {
      if (await this.answers()) return;
      await sleep(50);
    }
    throw new Error(`redis-server did not start on port ${this.port}`);
  }

  /** Stops the server the hard way; without persistence, every key is gone with it. */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((resolveExit) => server.once('exit', resolveExit));
    server.kill('SIGKILL');
    await exited;
  }

  private async answers(): Promise<boolean> {
    const { createConnection } = await import('node:net');
    return new Promise((resolveAnswer) => {
      const socket = createConnection({ host: '127.0.0.1', port: this.port }, () => socket.write('PING\r\n'));
      socket.once('data', (data) => {
        socket.destroy();
        resolveAnswer(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolveAnswer(false));
    });
  }
}

describe('Collection jobs: Redis restarts', () => {
  const database = new TestDatabase();
  const redis = new TestRedisPrefix();
  let ownRedis: OwnRedis;
  let sandbox: KraSandbox;
  let api: RunningApi;
  const jobsApi = new JobsApi<Job>(() => api.baseUrl);

  beforeAll(async () => {
    ownRedis = new OwnRedis(await freePort());
    await ownRedis.start();
    await database.create();
    sandbox = await createKraSandbox();
    await sandbox.listen();
    sandbox.setFaults('API8_2', SLOW_HORSES);
    api = await startApi(
      testConfig(database, redis, {
        REDIS_URL: ownRedis.url,
        KRA_BASE_URL: sandbox.url,
        KRA_REQUESTS_PER_SECOND: '1000',
        RATE_LIMIT_COLLECT: '1000000',
        JOBS_RUN_IN_API: 'true',
        JOBS_CONCURRENCY: '1',
        JOBS_RECONCILE_INTERVAL_MS: '500',
        JOBS_LOCK_MS: '2000',
        JOBS_STALLED_INTERVAL_MS: '1000',
      }),
    );
  });

  afterAll(async () => {
    await api?.close();
    await ownRedis?.stop();
    await sandbox?.close();
    await database.drop();
  });

  it('should complete the running job and re-queue the waiting one when Redis restarts empty', async () => {
    const running = await jobsApi.submit('/collection/races', { date: '2025-05-24', meet: 1 });
    const waiting = await jobsApi.submit('/collection/races', { date: '2025-05-25', meet: 1 });
    await jobsApi.waitFor(running, inDetails);
    expect((await jobsApi.waitFor(waiting, () => true)).status).toBe('queued');

    await ownRedis.stop();
    await sleep(500);
    await ownRedis.start();

    const [first, second] = await Promise.all([
      jobsApi.waitFor(running, hasEnded, { timeoutMs: 40_000 }),
      jobsApi.waitFor(waiting, hasEnded, { timeoutMs: 40_000 }),
    ]);
    expect(first.status).toBe('succeeded');
    expect(second.status).toBe('succeeded');
    expect(second.events.map((event) => event.message)).toContain('re-queued: its queue entry was lost (was queued)');

    // Every runner once, no job twice.
    for (const [date, meet] of [
      ['2025-05-24', 1],
      ['2025-05-25', 1],
    ] as const) {
      const expected = sandbox.world
        .raceDay(date.replaceAll('-', ''), meet)
        .races.reduce((sum, race) => sum + race.rows.length, 0);
      const [{ count }] = await database.query<{ count: string }>(
        'SELECT count(*) FROM entries e JOIN races r ON r.id = e.race_id WHERE r.race_date = $1 AND r.meet = $2',
        [date, meet],
      );
      expect(Number(count), `${date} meet ${meet}`).toBe(expected);
    }
    // The two collections (each followed by a compute-features job of its own kind).
    const jobs = await database.query<{ status: string }>(`SELECT status FROM jobs WHERE type = 'collect-day'`);
    expect(jobs.map((job) => job.status)).toEqual(['succeeded', 'succeeded']);
  }, 120_000);
});
