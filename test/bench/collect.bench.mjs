// npm run bench:collect — a full sandbox Sunday (Seoul + Busan) with details and results, at
// 100 ms sandbox latency per call, through the real collection engine into a fresh database.
// Prints the wall time, upstream calls per service, the minimum possible calls (day-level calls
// + per-race results and dividends + unique entities), and what a sequential per-runner collector
// (about 5 calls per runner, one at a time) would need.
// Settings: BENCH_COLLECT_DATE (default 2025-05-25, a Sunday), BENCH_COLLECT_CONCURRENCY (default 8),
// BENCH_COLLECT_LATENCY_MS (default 100).
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { adminQuery, benchKraClient, loadLib, postgres, redisUrl } from './harness.mjs';

const { createKraSandbox } = loadLib('kra-sandbox');
const { createRedisClient } = loadLib('redis');
const { CollectionService, RaceData } = loadLib('collection');
const { dataSourceOptions, runMigrationsLocked } = loadLib('database');

const date = process.env.BENCH_COLLECT_DATE ?? '2025-05-25';
const concurrency = Number(process.env.BENCH_COLLECT_CONCURRENCY ?? 8);
const latencyMs = Number(process.env.BENCH_COLLECT_LATENCY_MS ?? 100);
const meets = [1, 3];
const database = `kra_bench_${Date.now().toString(36)}`;
const prefix = `bench:collect:${randomBytes(4).toString('hex')}:`;

await adminQuery(`CREATE DATABASE "${database}"`);
const sandbox = await createKraSandbox({ faults: { '*': { latencyMs } } });
await sandbox.listen();
const redis = createRedisClient({ url: redisUrl, keyPrefix: prefix }, 'bench');
await new Promise((done) => redis.once('ready', done));
const dataSource = await new DataSource(
  dataSourceOptions({ url: `${postgres}/${database}`, poolSize: 10 }, 'bench-collect'),
).initialize();
try {
  await runMigrationsLocked(dataSource);
  const client = benchKraClient(sandbox.url, redis, concurrency);
  const collector = new CollectionService(client, new RaceData(dataSource));

  const started = process.hrtime.bigint();
  const reports = await Promise.all(meets.map((meet) => collector.collectDay({ date, meet, results: true })));
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;

  const calls = {};
  for (const report of reports)
    for (const [service, count] of Object.entries(report.calls)) calls[service] = (calls[service] ?? 0) + count;
  const totalCalls = Object.values(calls).reduce((sum, count) => sum + count, 0);
  const races = reports.reduce((sum, report) => sum + report.races.length, 0);
  const runners = reports.reduce((sum, report) => sum + report.races.reduce((n, race) => n + race.entries, 0), 0);
  const [{ horses, jockeys, trainers }] = await dataSource.query(
    `SELECT count(DISTINCT e.hr_no) AS horses, count(DISTINCT e.jk_no) AS jockeys, count(DISTINCT e.tr_no) AS trainers
         FROM entries e JOIN races r ON r.id = e.race_id WHERE r.race_date = $1`,
    [date],
  );
  const entities = Number(horses) + Number(jockeys) + Number(trainers);
  const dayLevel = meets.length * 5; // race plan, entry sheet, race summaries, scratches, track
  const minimum = dayLevel + races * 2 + entities; // + results and dividends per race
  const idealMs = (totalCalls / concurrency) * latencyMs;
  const sequentialMs = runners * 5 * latencyMs;

  console.log(
    `${date} (Sunday): meets ${meets.join(' + ')}, ${races} races, ${runners} runners; latency ${latencyMs} ms, concurrency ${concurrency}`,
  );
  console.log(`failures: ${reports.reduce((n, report) => n + report.failures.length, 0)}`);
  console.log(
    `upstream calls: ${totalCalls} (${Object.entries(calls)
      .map(([service, count]) => `${service} ${count}`)
      .join(', ')})`,
  );
  console.log(
    `minimum possible: ${minimum} = ${dayLevel} day-level + ${races * 2} per-race (results, dividends) + ${entities} unique entities (${horses} horses, ${jockeys} jockeys, ${trainers} trainers)`,
  );
  console.log(
    `wall time: ${(wallMs / 1000).toFixed(2)} s; ideal ${(idealMs / 1000).toFixed(2)} s (${totalCalls} ÷ ${concurrency} × ${latencyMs} ms); ratio ${(wallMs / idealMs).toFixed(2)}×`,
  );
  console.log(
    `a sequential per-runner collector (5 calls per runner, one at a time): ${runners * 5} calls, ${(sequentialMs / 1000).toFixed(1)} s (${(sequentialMs / wallMs).toFixed(1)}× slower)`,
  );
  console.log(
    totalCalls === minimum ? 'target met: calls equal the minimum' : 'target NOT met: calls above the minimum',
  );
  console.log(
    wallMs <= 1.5 * idealMs
      ? 'target met: wall time within 1.5× of ideal'
      : 'target NOT met: wall time above 1.5× of ideal',
  );
} finally {
  await dataSource.destroy();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(prefix.length)));
  redis.disconnect();
  await sandbox.close();
  await adminQuery(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
}
