// npm run bench:jobs — collection-job throughput with 1 and then 2 worker processes.
// Starts the KRA sandbox in this process (fixed latency on every service), then per round: a fresh
// database and Redis key prefix, the built API (JOBS_RUN_IN_API=false: only the workers run jobs)
// and N built workers. Submits single-race collection jobs (POST /api/v2/collection/races, default
// include: cards, entries and details) for distinct sandbox races, interleaved across race days, and
// polls GET /api/v2/jobs until every job is final. Prints per round: job statuses, the wall time
// from the first submit to the last job's finishedAt, jobs per second, and the upstream calls the
// sandbox saw (stats reset per round) against the minimum (2 day-level calls per job, race plan and
// entry sheet, + each unique horse, jockey and trainer once).
// Settings: BENCH_JOBS_COUNT (default 200), BENCH_JOBS_WORKERS (default 1,2),
// BENCH_JOBS_CONCURRENCY (JOBS_CONCURRENCY per worker, default 1), BENCH_JOBS_LATENCY_MS (default 20),
// BENCH_JOBS_FROM (first race day, default 2025-05-02, a Friday), BENCH_JOBS_KRA_CONCURRENCY
// (KRA_CONCURRENCY, default the product's), BENCH_JOBS_TIMEOUT_S (per round, default 600),
// BENCH_VERBOSE=1 to see the processes' output.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import pg from 'pg';
import {
  adminQuery,
  cleanUp,
  cpuSeconds,
  freePort,
  machineCpuSeconds,
  postgres,
  redisUrl,
  root,
  startApi,
  startWorker,
  stopAll,
  waitFor,
} from './harness.mjs';

const require = createRequire(import.meta.url);
const { createKraSandbox, scheduledMeets } = require(resolve(root, 'dist/libs/kra-sandbox/src/index.js'));

const jobCount = Number(process.env.BENCH_JOBS_COUNT ?? 200);
const workerCounts = (process.env.BENCH_JOBS_WORKERS ?? '1,2').split(',').map(Number);
const concurrency = process.env.BENCH_JOBS_CONCURRENCY ?? '1'; // the product's default JOBS_CONCURRENCY
const latencyMs = Number(process.env.BENCH_JOBS_LATENCY_MS ?? 20);
const firstDay = process.env.BENCH_JOBS_FROM ?? '2025-05-02';
const kraConcurrency = process.env.BENCH_JOBS_KRA_CONCURRENCY; // unset: the product's default
const timeoutMs = Number(process.env.BENCH_JOBS_TIMEOUT_S ?? 600) * 1000;
const SUBMITS_IN_FLIGHT = 8;
const POLL_MS = 250;
const FINAL = new Set(['succeeded', 'partially_succeeded', 'failed', 'cancelled']);

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const compact = (date) => date.replaceAll('-', '');
const dashed = (rcDate) => `${rcDate.slice(0, 4)}-${rcDate.slice(4, 6)}-${rcDate.slice(6, 8)}`;
const addDay = (rcDate) =>
  compact(new Date(Date.parse(`${dashed(rcDate)}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10));

/**
 * `count` distinct races the sandbox serves, from race days on and after `from`, interleaved across
 * the race days (race 1 of every day, then race 2, ...): consecutive jobs are of different days, so
 * workers do not queue behind the collector's per-day lock.
 */
function pickRaces(world, from, count) {
  const days = [];
  let total = 0;
  for (let rcDate = compact(from); total < count; rcDate = addDay(rcDate)) {
    for (const meet of scheduledMeets(rcDate)) {
      const raceNos = world.plans(rcDate, meet).map((plan) => plan.rcNo);
      days.push({ date: dashed(rcDate), meet, raceNos });
      total += raceNos.length;
    }
  }
  const races = [];
  for (let i = 0; races.length < count; i += 1) {
    for (const day of days)
      if (i < day.raceNos.length && races.length < count)
        races.push({ date: day.date, meet: day.meet, raceNo: day.raceNos[i] });
  }
  return { races, days: days.length };
}

async function api(base, adminKey, method, path, body) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { 'x-api-key': adminKey, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return JSON.parse(text);
}

/** Every job the admin key can see, all pages. */
async function listJobs(base, adminKey) {
  const jobs = [];
  for (let page = 1; ; page += 1) {
    const body = await api(base, adminKey, 'GET', `/api/v2/jobs?limit=200&page=${page}`);
    jobs.push(...body.items);
    if (body.items.length === 0 || jobs.length >= body.total) return jobs;
  }
}

async function roundQuery(database, sql) {
  const client = new pg.Client({ connectionString: `${postgres}/${database}` });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Work of the round in progress, for the clean-up on failure or on a signal. */
let current = null;
let sandbox = null;

async function runRound(workers, races) {
  const database = `kra_bench_jobs_${Date.now().toString(36)}_${workers}`;
  const prefix = `bench:${database}:`;
  const adminKey = `kra_bench-${randomBytes(16).toString('hex')}`;
  current = { children: [], database, prefix };
  await adminQuery(`CREATE DATABASE "${database}"`);
  const env = {
    DATABASE_URL: `${postgres}/${database}`,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    ADMIN_API_KEY: adminKey,
    KRA_BASE_URL: sandbox.url,
    KRA_REQUESTS_PER_SECOND: '1000',
    ...(kraConcurrency ? { KRA_CONCURRENCY: kraConcurrency } : {}),
    JOBS_RUN_IN_API: 'false',
    JOBS_CONCURRENCY: concurrency,
    SCHEDULE_ENABLED: 'false',
    RATE_LIMIT_COLLECT: '10000000',
    RATE_LIMIT_READ: '10000000',
    RATE_LIMIT_ADMIN: '10000000',
  };
  // The API applies the migrations; the workers start on the migrated database.
  const apiPort = await freePort();
  const apiProcess = startApi({ ...env, PORT: String(apiPort) });
  current.children.push(apiProcess);
  const base = `http://127.0.0.1:${apiPort}`;
  await waitFor(`${base}/health/ready`, {}, apiProcess);
  const workerProcesses = [];
  for (let i = 0; i < workers; i += 1) {
    const port = await freePort();
    const worker = startWorker({ ...env, DATABASE_RUN_MIGRATIONS: 'false', WORKER_PORT: String(port) });
    current.children.push(worker);
    workerProcesses.push({ worker, port });
  }
  for (const { worker, port } of workerProcesses) await waitFor(`http://127.0.0.1:${port}/health/ready`, {}, worker);

  sandbox.reset();
  const cpuBefore = {
    machine: machineCpuSeconds(),
    self: process.cpuUsage(),
    children: current.children.map((child) => cpuSeconds(child.pid)),
  };
  const started = Date.now();
  const ids = new Set();
  const queue = [...races];
  await Promise.all(
    Array.from({ length: SUBMITS_IN_FLIGHT }, async () => {
      for (let race = queue.shift(); race; race = queue.shift()) {
        const { jobId } = await api(base, adminKey, 'POST', '/api/v2/collection/races', {
          date: race.date,
          meet: race.meet,
          raceNos: [race.raceNo],
          // The days are over, where a collection includes results by default; this measures cards, entries and details.
          include: ['details'],
        });
        ids.add(jobId);
      }
    }),
  );
  const submitSeconds = (Date.now() - started) / 1000;
  if (ids.size !== races.length) throw new Error(`${races.length} submits returned ${ids.size} distinct jobs`);

  let jobs;
  for (;;) {
    jobs = (await listJobs(base, adminKey)).filter((job) => ids.has(job.id));
    if (jobs.length === ids.size && jobs.every((job) => FINAL.has(job.status))) break;
    for (const { worker } of workerProcesses)
      if (worker.exitCode !== null) throw new Error(`a worker exited with ${worker.exitCode}`);
    if (Date.now() - started > timeoutMs) {
      const open = jobs.filter((job) => !FINAL.has(job.status)).length;
      throw new Error(`${open} of ${ids.size} jobs not final after ${timeoutMs / 1000} s`);
    }
    await sleep(POLL_MS);
  }
  const wallSeconds = (Math.max(...jobs.map((job) => Date.parse(job.finishedAt))) - started) / 1000;
  const stats = sandbox.stats();
  const machine = machineCpuSeconds();
  const childCpu = current.children.map((child, i) => cpuSeconds(child.pid) - cpuBefore.children[i]);
  const self = process.cpuUsage(cpuBefore.self);
  const cpu = {
    machineBusy: machine.busy - cpuBefore.machine.busy,
    machineTotal: machine.total - cpuBefore.machine.total,
    api: childCpu[0],
    workers: childCpu.slice(1),
    self: (self.user + self.system) / 1e6,
  };
  const runSeconds = jobs
    .filter((job) => job.startedAt)
    .map((job) => (Date.parse(job.finishedAt) - Date.parse(job.startedAt)) / 1000);

  // Each job's own report: races collected and upstream calls, to check the sandbox's count.
  const details = [];
  for (const job of jobs) details.push(await api(base, adminKey, 'GET', `/api/v2/jobs/${job.id}`));
  const reported = details.reduce(
    (sum, job) => sum + Object.values(job.result?.calls ?? {}).reduce((n, count) => n + count, 0),
    0,
  );
  const emptyReports = details.filter(
    (job) => (job.result?.races ?? []).filter((race) => race.entries > 0).length !== 1,
  ).length;
  const [unique] = await roundQuery(
    database,
    'SELECT count(DISTINCT hr_no)::int AS horses, count(DISTINCT jk_no)::int AS jockeys, count(DISTINCT tr_no)::int AS trainers, count(*)::int AS runners FROM entries',
  );
  const statuses = {};
  for (const job of jobs) statuses[job.status] = (statuses[job.status] ?? 0) + 1;
  const failures = details
    .filter((job) => job.status !== 'succeeded')
    .map(
      (job) =>
        `${job.params.date} meet ${job.params.meet} race ${job.params.raceNos}: ${job.status} ${job.errorCode ?? ''} ${job.errorMessage ?? ''}`,
    );
  const outcomes = {};
  for (const call of stats.recent) outcomes[call.outcome] = (outcomes[call.outcome] ?? 0) + 1;

  await stopAll(current.children);
  await cleanUp(current.children, database, prefix);
  current = null;
  return {
    workers,
    jobs: jobs.length,
    statuses,
    wallSeconds,
    submitSeconds,
    cpu,
    runSeconds,
    calls: stats.total,
    byService: stats.byService,
    reported,
    unique,
    emptyReports,
    failures,
    outcomes,
  };
}

async function cleanUpCurrent() {
  if (current) {
    const { children, database, prefix } = current;
    current = null;
    await stopAll(children, 5_000);
    await cleanUp(children, database, prefix);
  }
  await sandbox?.close();
  sandbox = null;
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`${signal}: cleaning up`);
    void cleanUpCurrent().finally(() => process.exit(130));
  });
}

const results = [];
try {
  sandbox = await createKraSandbox({ faults: { '*': { latencyMs } } });
  await sandbox.listen();
  const { races, days } = pickRaces(sandbox.world, firstDay, jobCount);
  console.log(
    `${races.length} single-race collect jobs (cards, entries, details) over ${days} race days from ${firstDay} to ${races
      .map((race) => race.date)
      .sort()
      .at(-1)}, interleaved across days`,
  );
  console.log(
    `sandbox latency ${latencyMs} ms on every service; JOBS_CONCURRENCY ${concurrency} per worker; KRA_CONCURRENCY ${kraConcurrency ?? '4 (default)'}, KRA_REQUESTS_PER_SECOND 1000; API with JOBS_RUN_IN_API=false`,
  );
  for (const workers of workerCounts) {
    const result = await runRound(workers, races);
    results.push(result);
    console.log(
      `round with ${workers} worker(s) done: ${result.wallSeconds.toFixed(1)} s (all ${result.jobs} submitted in ${result.submitSeconds.toFixed(1)} s)`,
    );
  }
} finally {
  await cleanUpCurrent();
}

const rows = [
  ['workers', 'concurrency', 'jobs', 'succeeded', 'other statuses', 'wall s', 'jobs/s', 'upstream calls', 'calls/job'],
  ...results.map((r) => {
    const other = Object.entries(r.statuses).filter(([status]) => status !== 'succeeded');
    return [
      String(r.workers),
      concurrency,
      String(r.jobs),
      String(r.statuses.succeeded ?? 0),
      other.length ? other.map(([status, n]) => `${status} ${n}`).join(', ') : '-',
      r.wallSeconds.toFixed(2),
      (r.jobs / r.wallSeconds).toFixed(2),
      String(r.calls),
      (r.calls / r.jobs).toFixed(2),
    ];
  }),
];
const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
console.log('');
for (const [i, row] of rows.entries()) {
  console.log(
    row.map((cell, column) => (column === 4 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join('  '),
  );
  if (i === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
}
console.log('');
for (const r of results) {
  const { horses, jockeys, trainers, runners } = r.unique;
  const minimum = 2 * r.jobs + horses + jockeys + trainers;
  console.log(
    `${r.workers} worker(s): upstream calls by service: ${Object.entries(r.byService)
      .map(([service, n]) => `${service} ${n}`)
      .join(', ')}`,
  );
  console.log(
    `  minimum ${minimum} = ${2 * r.jobs} day-level (race plan + entry sheet per job) + ${horses} horses + ${jockeys} jockeys + ${trainers} trainers (unique, of ${runners} runners); calls ÷ minimum ${(r.calls / minimum).toFixed(2)}×`,
  );
  console.log(
    `  calls in the jobs' reports: ${r.reported}; jobs without exactly one race with entries: ${r.emptyReports}; sandbox outcomes (last ${Math.min(r.calls, 500)} calls): ${Object.entries(
      r.outcomes,
    )
      .map(([outcome, n]) => `${outcome} ${n}`)
      .join(', ')}`,
  );
  for (const failure of r.failures.slice(0, 5)) console.log(`  not succeeded: ${failure}`);
  const runs = [...r.runSeconds].sort((a, b) => a - b);
  const busy = runs.reduce((sum, seconds) => sum + seconds, 0) / (r.workers * Number(concurrency) * r.wallSeconds);
  console.log(
    `  job run time (startedAt → finishedAt): median ${(runs[Math.floor(runs.length / 2)] * 1000).toFixed(0)} ms, p90 ${(runs[Math.floor(runs.length * 0.9)] * 1000).toFixed(0)} ms; job slots busy ${(busy * 100).toFixed(0)}% of the wall time`,
  );
  const { machineBusy, machineTotal, api: apiCpu, workers, self } = r.cpu;
  const others = machineBusy - apiCpu - workers.reduce((sum, seconds) => sum + seconds, 0) - self;
  console.log(
    `  CPU over the round: machine ${((machineBusy / machineTotal) * 100).toFixed(0)}% busy (${machineBusy.toFixed(1)} of ${machineTotal.toFixed(1)} core-s); workers ${workers.map((seconds) => seconds.toFixed(1)).join(' + ')} s, API ${apiCpu.toFixed(1)} s, this process (sandbox, submits, polls) ${self.toFixed(1)} s, everything else (PostgreSQL, Redis, other processes) ${others.toFixed(1)} s`,
  );
}
if (results.length === 2)
  console.log(
    `\nspeed-up ${results[1].workers} vs ${results[0].workers} worker(s): ${(results[0].wallSeconds / results[1].wallSeconds).toFixed(2)}×`,
  );
