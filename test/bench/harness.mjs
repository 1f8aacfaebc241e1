// Shared by the HTTP benchmarks: processes, a scratch database, and alternating autocannon rounds.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { clearTimeout } from 'node:timers';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import Redis from 'ioredis';
import pg from 'pg';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** The Node flags `npm run start:api` runs the API with (package.json holds the one list). */
export const NODE_FLAGS = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'))
  .scripts['start:api'].split(' ')
  .filter((word) => word.startsWith('--'));
export const postgres = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
export const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
export const settings = {
  duration: Number(process.env.BENCH_DURATION ?? 5),
  rounds: Number(process.env.BENCH_ROUNDS ?? 3),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 50),
};

export function freePort() {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

const require = createRequire(import.meta.url);

/** A library of the built product (`npm run build` first; the bench scripts do). */
export function loadLib(name) {
  return require(resolve(root, `dist/libs/${name}/src/index.js`));
}

/**
 * The KRA client the client-level benchmarks measure, on a shared Redis client: generous retries, a
 * rate limit far above what the sandbox is asked, so that the limiter measured is `concurrency`.
 */
export function benchKraClient(baseUrl, redis, concurrency) {
  const { KraClient } = loadLib('kra-client');
  return new KraClient(
    {
      baseUrl,
      serviceKey: 'bench-service-key',
      timeoutMs: 10_000,
      maxRetries: 3,
      retryBaseMs: 100,
      retryMaxMs: 2_000,
      concurrency,
      requestsPerSecond: 1_000,
      pageSize: 1_000,
      dailyQuota: 10_000,
      masterCacheTtlSeconds: 3_600,
    },
    redis,
  );
}

export async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: `${postgres}/postgres` });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A node process; its stdout is shown only with BENCH_VERBOSE=1. */
export function start(args, env) {
  const stdout = process.env.BENCH_VERBOSE ? 'inherit' : 'ignore';
  return spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['ignore', stdout, 'inherit'],
  });
}

/** The built API, started as `npm run start:api` starts it. */
export function startApi(env, nodeFlags = []) {
  return start([...NODE_FLAGS, ...nodeFlags, resolve(root, 'dist/apps/api/src/main.js')], {
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...env,
  });
}

/** The built worker, started as `npm run start:worker` starts it. */
export function startWorker(env) {
  return start([...NODE_FLAGS, resolve(root, 'dist/apps/worker/src/main.js')], {
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    ...env,
  });
}

/** Sends SIGTERM to the processes still running and waits until they exit; SIGKILL after `graceMs`. */
export async function stopAll(children, graceMs = 15_000) {
  const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
  await Promise.all(
    running.map(
      (child) =>
        new Promise((done) => {
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          child.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          child.kill('SIGTERM');
        }),
    ),
  );
}

export async function waitFor(url, headers, child) {
  for (let i = 0; i < 300; i += 1) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url, { headers })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The whole machine's CPU time so far, from /proc/stat: { busy, total } in seconds, all cores. */
export function machineCpuSeconds() {
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy: busy / 100, total: (busy + idle + iowait) / 100 };
}

function load(url, headers, seconds) {
  return new Promise((done, fail) => {
    autocannon({ url, headers, connections: settings.connections, duration: seconds }, (error, result) =>
      error ? fail(error) : done(result),
    );
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Loads each target in alternating rounds and prints medians, so that drift in the speed of a
 * shared machine affects every target alike. `beforeRound` runs before each target's round.
 * Targets: { name, url, headers, child }. Returns { name: { rps, p99 } }.
 */
export async function compare(targets, beforeRound = async () => undefined) {
  const { connections, rounds, duration } = settings;
  console.log(
    `autocannon: ${connections} connections, ${rounds} alternating rounds of ${duration} s per server, after a 3 s warm-up each`,
  );
  const samples = new Map(targets.map((target) => [target.name, []]));
  for (const target of targets) {
    await beforeRound(target);
    await load(target.url, target.headers, 3);
  }
  for (let round = 0; round < rounds; round += 1) {
    for (const target of targets) {
      await beforeRound(target);
      const cpuBefore = cpuSeconds(target.child.pid);
      const result = await load(target.url, target.headers, duration);
      const failures = result.errors + result.timeouts + result.non2xx;
      if (failures > 0) throw new Error(`${target.name}: ${failures} failed or non-2xx responses`);
      const cpuMicros = ((cpuSeconds(target.child.pid) - cpuBefore) / result.requests.total) * 1e6;
      samples.get(target.name).push({ rps: result.requests.average, p99: result.latency.p99, cpuMicros });
    }
  }
  const summary = {};
  for (const target of targets) {
    const rounds = samples.get(target.name);
    const rps = median(rounds.map((r) => r.rps));
    const p99 = median(rounds.map((r) => r.p99));
    const cpu = median(rounds.map((r) => r.cpuMicros));
    summary[target.name] = { rps, p99 };
    const each = rounds.map((r) => r.rps.toFixed(0)).join(', ');
    console.log(
      `${target.name.padEnd(20)} ${rps.toFixed(0).padStart(7)} req/s  p99 ${p99} ms  server CPU ${cpu.toFixed(0)} µs/request  (rounds: ${each})`,
    );
  }
  return summary;
}

/** Prints the ratio of `subject` to `reference` against the targets shared by the HTTP benchmarks. */
export function verdict(summary, subject, reference) {
  const ratio = summary[subject].rps / summary[reference].rps;
  console.log(`ratio (${subject} / ${reference}): ${(ratio * 100).toFixed(1)}%   target: ≥ 50% with p99 ≤ 25 ms`);
  console.log(
    `${ratio >= 0.5 ? 'ratio target met' : 'ratio target NOT met'}; ${summary[subject].p99 <= 25 ? 'p99 target met' : 'p99 target NOT met'}`,
  );
}

/** Stops the servers, drops the scratch database (unless null: a kept one) and deletes the run's Redis keys. */
export async function cleanUp(children, database, prefix) {
  for (const child of children) child.kill('SIGTERM');
  await new Promise((done) => setTimeout(done, 1000));
  if (database) await adminQuery(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}
