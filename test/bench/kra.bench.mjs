// npm run bench:kra — the client fetching the details of every runner of one sandbox race day,
// with 50 ms sandbox latency per call. Prints the wall time, the upstream calls and the unique
// entities, against the target: calls = unique entities, wall time ≤ 1.5 × calls ÷ concurrency × 50 ms.
// Settings: BENCH_KRA_DATE (default 2025-05-24, a Saturday), BENCH_KRA_MEET (default 1, Seoul),
// BENCH_KRA_CONCURRENCY (default 8), BENCH_KRA_LATENCY_MS (default 50).
import { randomBytes } from 'node:crypto';
import { benchKraClient, loadLib, redisUrl } from './harness.mjs';

const { createKraSandbox } = loadLib('kra-sandbox');
const { createRedisClient } = loadLib('redis');

const date = process.env.BENCH_KRA_DATE ?? '2025-05-24';
const meet = Number(process.env.BENCH_KRA_MEET ?? 1);
const concurrency = Number(process.env.BENCH_KRA_CONCURRENCY ?? 8);
const latencyMs = Number(process.env.BENCH_KRA_LATENCY_MS ?? 50);
const prefix = `bench:kra:${randomBytes(4).toString('hex')}:`;
const MASTER_SERVICES = ['API8_2', 'API12_1', 'API19_1'];

const sandbox = await createKraSandbox({ faults: { '*': { latencyMs } } });
await sandbox.listen();
const redis = createRedisClient({ url: redisUrl, keyPrefix: prefix }, 'bench');
await new Promise((done) => redis.once('ready', done));
const client = benchKraClient(sandbox.url, redis, concurrency);

try {
  const { records: runners } = await client.entrySheet(meet, date);
  if (runners.length === 0) throw new Error(`no entries for meet ${meet} on ${date}: pick a race day`);
  const unique = {
    horses: new Set(runners.map((runner) => runner.horse.id)),
    jockeys: new Set(runners.map((runner) => runner.jockey.id)),
    trainers: new Set(runners.map((runner) => runner.trainer.id)),
  };
  const uniqueEntities = unique.horses.size + unique.jockeys.size + unique.trainers.size;
  sandbox.reset();

  // Every runner asks for its horse, jockey and trainer, all at once: repeated entities must be
  // shared in flight or served from the cache, never fetched twice.
  const started = process.hrtime.bigint();
  await Promise.all(
    runners.flatMap((runner) => [
      client.horse(runner.horse.id),
      client.jockey(runner.jockey.id),
      client.trainer(runner.trainer.id),
    ]),
  );
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const stats = sandbox.stats();
  const calls = MASTER_SERVICES.reduce((sum, service) => sum + (stats.byService[service] ?? 0), 0);
  const idealMs = (calls / concurrency) * latencyMs;

  const races = new Set(runners.map((runner) => runner.raceNo)).size;
  console.log(`race day ${date} meet ${meet}: ${races} races, ${runners.length} runners`);
  console.log(`detail lookups asked: ${runners.length * 3} (horse, jockey and trainer per runner)`);
  console.log(
    `unique entities: ${uniqueEntities} (${unique.horses.size} horses, ${unique.jockeys.size} jockeys, ${unique.trainers.size} trainers)`,
  );
  console.log(
    `upstream calls: ${calls} (${MASTER_SERVICES.map((service) => `${service} ${stats.byService[service] ?? 0}`).join(', ')})`,
  );
  console.log(
    `wall time: ${wallMs.toFixed(0)} ms; ideal ${idealMs.toFixed(0)} ms (${calls} calls ÷ concurrency ${concurrency} × ${latencyMs} ms); ratio ${(wallMs / idealMs).toFixed(2)}×`,
  );
  console.log(
    calls === uniqueEntities ? 'target met: calls = unique entities' : 'target NOT met: calls ≠ unique entities',
  );
  console.log(
    wallMs <= 1.5 * idealMs
      ? 'target met: wall time within 1.5× of ideal'
      : 'target NOT met: wall time above 1.5× of ideal',
  );
} finally {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys.map((key) => key.slice(prefix.length)));
  redis.disconnect();
  await sandbox.close();
}
