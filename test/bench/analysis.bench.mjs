// npm run bench:analysis — the analysis on a sandbox year:
//   1. the year's features from scratch (every race day as of its own day), time and peak RSS;
//   2. one new race day (the last), from the whole history;
//   3. GET /api/v2/analysis/races/… cached, under autocannon (50 connections);
//   4. whether the figures measure the world: speed figures against the hidden ability within rating
//      bands, distance aptitude against the hidden distance preference (the sandbox's truth, which
//      only benchmarks and tests read).
// The year and the one before it (its history) are collected first, in process, through the KRA
// client and the collector (no details).
// Settings: BENCH_YEAR (default 2025); BENCH_DATABASE keeps the collected database under that name
// (collected when missing, reused as it is when present, never dropped); and those of bench:http.
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { clearInterval, setInterval } from 'node:timers';
import Redis from 'ioredis';
import {
  adminQuery,
  benchKraClient,
  cleanUp,
  compare,
  freePort,
  loadLib,
  postgres,
  redisUrl,
  root,
  startApi,
  waitFor,
} from './harness.mjs';

const require = createRequire(import.meta.url);
const { DataSource } = require(require.resolve('typeorm', { paths: [root] }));
const { createKraSandbox } = loadLib('kra-sandbox');
const { CollectionService, RaceData } = loadLib('collection');
const { dataSourceOptions, runMigrationsLocked } = loadLib('database');
const { FeaturesRepository, FeaturesService } = loadLib('analysis');
const { meetsRacingOn, addDays } = loadLib('calendar');

const year = Number(process.env.BENCH_YEAR ?? 2025);
const keptDatabase = process.env.BENCH_DATABASE;
const database = keptDatabase ?? `kra_bench_${Date.now().toString(36)}`;
// A kept database keeps the admin key its first run created: the same key every run.
const adminKey = `kra_bench-${keptDatabase ? createHash('sha256').update(keptDatabase).digest('hex').slice(0, 32) : randomBytes(16).toString('hex')}`;
const prefix = `bench:${database}:`;
const children = [];
const dashed = (d) => `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`;
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;

/** Spearman's rank correlation of two equally long lists. */
function spearman(xs, ys) {
  const ranks = (values) => {
    const order = values.map((value, index) => ({ value, index })).sort((a, b) => a.value - b.value);
    const result = new Array(values.length);
    for (let i = 0; i < order.length;) {
      let j = i;
      while (j + 1 < order.length && order[j + 1].value === order[i].value) j += 1;
      for (let k = i; k <= j; k += 1) result[order[k].index] = (i + j) / 2;
      i = j + 1;
    }
    return result;
  };
  const [rx, ry] = [ranks(xs), ranks(ys)];
  const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;
  const [mx, my] = [mean(rx), mean(ry)];
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < rx.length; i += 1) {
    sxy += (rx[i] - mx) * (ry[i] - my);
    sxx += (rx[i] - mx) ** 2;
    syy += (ry[i] - my) ** 2;
  }
  return sxy / Math.sqrt(sxx * syy);
}

let dataSource;
const redis = new Redis(redisUrl, { keyPrefix: prefix });
const sandbox = await createKraSandbox();
try {
  const [existing] = await adminQuery(`SELECT 1 FROM pg_database WHERE datname = '${database}'`);
  if (!existing) await adminQuery(`CREATE DATABASE "${database}"`);
  const config = {
    url: `${postgres}/${database}`,
    poolSize: 10,
    statementTimeoutMs: 600_000,
    connectTimeoutMs: 10_000,
  };
  dataSource = await new DataSource(dataSourceOptions(config, 'analysis-bench')).initialize();
  await runMigrationsLocked(dataSource);
  // A kept database is reused once it holds the collected years (an API started on it alone creates it empty).
  const [{ collected }] = await dataSource.query(`SELECT count(*)::int AS collected FROM races`);
  const reuse = keptDatabase !== undefined && collected > 0;
  await sandbox.listen();
  const collector = new CollectionService(benchKraClient(sandbox.url, redis, 16), new RaceData(dataSource));

  let started = Date.now();
  let dayMeets = 0;
  let lastDay = null;
  for (let day = `${year - 1}0101`; day <= `${year}1231`; day = addDays(day, 1)) {
    for (const meet of meetsRacingOn(day)) {
      if (!reuse) {
        const report = await collector.collectDay({ date: dashed(day), meet, details: false, results: true });
        if (report.failures.length > 0) throw new Error(`${day} ${meet}: ${JSON.stringify(report.failures[0])}`);
      }
      dayMeets += 1;
      lastDay = dashed(day);
    }
  }
  const [{ races, runners }] = await dataSource.query(
    `SELECT count(DISTINCT r.id)::int AS races, count(*)::int AS runners FROM races r JOIN entries e ON e.race_id = r.id`,
  );
  console.log(
    `collected ${year}: ${dayMeets} race days × meets, ${races} races, ${runners} entries in ${seconds(Date.now() - started)}`,
  );

  // 1. The year from scratch.
  const cache = { invalidateTag: async () => undefined, wrap: async (_k, _t, _g, load) => load() };
  const service = new FeaturesService(new FeaturesRepository(dataSource), cache, { inc: () => undefined });
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  started = Date.now();
  const report = await service.computeRange(`${year}-01-01`, `${year}-12-31`);
  const yearMs = Date.now() - started;
  clearInterval(sampler);
  console.log(
    `features from scratch: ${report.days} race days, ${report.races} races, ${report.runners} runners in ${seconds(yearMs)} ` +
      `(${((yearMs / report.runners) * 1000).toFixed(0)} µs per runner), peak RSS ${(peak / 1e6).toFixed(0)} MB   target: ≤ 60 s`,
  );

  // 2. One new race day, from the whole history.
  started = Date.now();
  const day = await service.computeRange(lastDay, lastDay);
  console.log(`a new race day (${lastDay}, ${day.races} races): ${seconds(Date.now() - started)}   target: ≤ 2 s`);

  // 3. The race route, cached, under load.
  const [{ meet: loadMeet, raceNo }] = await dataSource.query(
    `SELECT meet, race_no AS "raceNo" FROM race_features WHERE race_date = $1 ORDER BY meet, race_no LIMIT 1`,
    [lastDay],
  );
  const apiPort = await freePort();
  const api = startApi({
    PORT: String(apiPort),
    DATABASE_URL: `${postgres}/${database}`,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    ADMIN_API_KEY: adminKey,
    RATE_LIMIT_READ: '10000000',
    RATE_LIMIT_ADMIN: '10000000',
    KRA_BASE_URL: sandbox.url,
    LOG_LEVEL: 'error',
  });
  children.push(api);
  const target = {
    name: 'analysis race (cached)',
    url: `http://127.0.0.1:${apiPort}/api/v2/analysis/races/${lastDay}/${loadMeet}/${raceNo}`,
    headers: { 'x-api-key': adminKey },
    child: api,
  };
  await waitFor(target.url, target.headers, api);
  const body = await (await fetch(target.url, { headers: target.headers })).text();
  console.log(`${target.url.split('/api/v2')[1]}: ${body.length} bytes of JSON`);
  const summary = await compare([target]);
  console.log(`p99 ${summary[target.name].p99} ms   target: ≤ 50 ms`);

  // The export, streamed through fresh API processes (not the one the load test grew): the peak RSS
  // of a year in each format as `npm run start:api` runs the API, each in a fresh process and one
  // after the other; then a month and the year with the old space capped at 128 MB: the year
  // streams in that too, so the export holds no more for a year than for a month.
  const NDJSON = ['NDJSON', 'application/x-ndjson'];
  const CSV = ['CSV', 'text/csv'];
  const wholeYear = [`${year}-01-01`, `${year}-12-31`];
  for (const [label, flags, ranges, formats] of [
    ['as started, a fresh API', [], [wholeYear], [NDJSON]],
    ['as started, a fresh API', [], [wholeYear], [CSV]],
    ['as started, the CSV after the NDJSON', [], [wholeYear], [NDJSON, CSV]],
    [
      'old space capped at 128 MB',
      ['--max-old-space-size=128'],
      [[`${year}-01-01`, `${year}-01-31`], wholeYear],
      [NDJSON, CSV],
    ],
  ]) {
    const exportPort = await freePort();
    const exporter = startApi(
      {
        PORT: String(exportPort),
        DATABASE_URL: `${postgres}/${database}`,
        REDIS_URL: redisUrl,
        REDIS_KEY_PREFIX: prefix,
        ADMIN_API_KEY: adminKey,
        RATE_LIMIT_READ: '10000000',
        KRA_BASE_URL: sandbox.url,
        LOG_LEVEL: 'error',
      },
      flags,
    );
    children.push(exporter);
    await waitFor(`http://127.0.0.1:${exportPort}/health/live`, {}, exporter);
    const status = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${exporter.pid}/status`, 'utf8'))[1]) * 1024;
    for (const [from, to] of ranges)
      for (const [format, accept] of formats) {
        const baseline = status();
        let exportPeak = baseline;
        const exportSampler = setInterval(() => (exportPeak = Math.max(exportPeak, status())), 20);
        started = Date.now();
        const exported = await fetch(`http://127.0.0.1:${exportPort}/api/v2/analysis/features?from=${from}&to=${to}`, {
          headers: { 'x-api-key': adminKey, accept },
        });
        let bytes = 0;
        let lines = 0;
        for await (const chunk of exported.body) {
          bytes += chunk.length;
          for (const byte of chunk) if (byte === 10) lines += 1;
        }
        clearInterval(exportSampler);
        if (exported.status !== 200) throw new Error(`export ${from}..${to}: HTTP ${exported.status}`);
        console.log(
          `export ${from}..${to} as ${format} (${label}): ${lines} lines, ${(bytes / 1e6).toFixed(1)} MB in ` +
            `${seconds(Date.now() - started)}, API RSS ${(baseline / 1e6).toFixed(0)} MB before, peak ${(exportPeak / 1e6).toFixed(0)} MB`,
        );
      }
    exporter.kill('SIGTERM');
  }

  // 4. Does it measure the world?
  const served = sandbox.world.served();
  const rows = await dataSource.query(
    `SELECT features FROM race_features WHERE race_date >= $1 ORDER BY race_date, meet, race_no`,
    [`${year}-07-01`],
  );
  const bands = new Map();
  for (const { features } of rows) {
    const truth = served.truth(features.date.replaceAll('-', ''), features.meet, features.raceNo);
    if (!truth) continue;
    const ability = new Map(truth.runners.map((runner) => [runner.hrNo, runner.ability]));
    for (const runner of features.runners) {
      const figure = runner.speed.averageLast3;
      const rating = runner.classAndWeight.rating;
      if (figure === null || rating === null || !ability.has(runner.hrNo) || runner.form.lastStarts.length < 3)
        continue;
      const band = Math.min(5, Math.floor(rating / 20));
      const entry = bands.get(band) ?? { figure: [], rating: [], ability: [] };
      entry.figure.push(figure);
      entry.rating.push(rating);
      entry.ability.push(ability.get(runner.hrNo));
      bands.set(band, entry);
    }
  }
  console.log(
    'speed figure (average of the last three) vs rating, rank correlation with the hidden ability, by rating band:',
  );
  let better = 0;
  let counted = 0;
  for (const [band, entry] of [...bands].sort(([a], [b]) => a - b)) {
    if (entry.ability.length < 30) continue;
    const byFigure = spearman(entry.figure, entry.ability);
    const byRating = spearman(entry.rating, entry.ability);
    counted += 1;
    if (byFigure > byRating) better += 1;
    console.log(
      `  rating ${band * 20}–${band * 20 + 19}: ${String(entry.ability.length).padStart(6)} runners  figure ρ ${byFigure.toFixed(3)}  rating ρ ${byRating.toFixed(3)}`,
    );
  }
  console.log(`  the figure ranks better in ${better} of ${counted} bands   target: every band`);

  // The draw: per gate at Seoul sprints over the year, the endpoint's wins against the world's own
  // (the truth's win probabilities of the same runners), inside its 95 % interval.
  const draw = await (
    await fetch(
      `http://127.0.0.1:${apiPort}/api/v2/analysis/draw?meet=1&distanceFrom=0&distanceTo=1200&from=${year}-01-01&to=${year}-12-31`,
      { headers: { 'x-api-key': adminKey } },
    )
  ).json();
  const sprints = await dataSource.query(
    `SELECT to_char(r.race_date, 'YYYYMMDD') AS date, r.race_no AS "raceNo", e.gate_no AS gate, e.hr_no AS "hrNo"
       FROM races r JOIN entries e ON e.race_id = r.id JOIN results x ON x.entry_id = e.id
      WHERE r.meet = 1 AND r.distance_m <= 1200 AND r.race_date BETWEEN $1 AND $2 AND NOT e.scratched
        AND x.finish_status IN ('finished', 'disqualified', 'pulled_up')`,
    [`${year}-01-01`, `${year}-12-31`],
  );
  const world = new Map();
  const truths = new Map();
  for (const start of sprints) {
    const key = `${start.date}|${start.raceNo}`;
    if (!truths.has(key)) truths.set(key, served.truth(start.date, 1, start.raceNo));
    const p = truths.get(key)?.runners.find((runner) => runner.hrNo === start.hrNo)?.winProbability ?? 0;
    const gate = world.get(start.gate) ?? { expected: 0, variance: 0, probabilities: [] };
    gate.expected += p;
    gate.variance += p * (1 - p);
    gate.probabilities.push(p);
    world.set(start.gate, gate);
  }
  // A gate's wins in the world are a sum of its runners' chances (Poisson-binomial): its exact 95 %
  // interval, not the normal one, which is wrong for the outside gates' few runs.
  const winsDistribution = (probabilities) => {
    let distribution = [1];
    for (const p of probabilities) {
      const next = new Array(distribution.length + 1).fill(0);
      distribution.forEach((mass, wins) => {
        next[wins] += mass * (1 - p);
        next[wins + 1] += mass * p;
      });
      distribution = next;
    }
    return distribution;
  };
  let inside = 0;
  for (const row of draw.gates) {
    const own = world.get(row.gate);
    if (!own) continue;
    const distribution = winsDistribution(own.probabilities);
    const atMost = distribution.slice(0, row.wins + 1).reduce((a, b) => a + b, 0);
    const atLeast = distribution.slice(row.wins).reduce((a, b) => a + b, 0);
    const ok = atMost > 0.025 && atLeast > 0.025;
    if (ok) inside += 1;
    console.log(
      `  gate ${String(row.gate).padStart(2)}: ${String(row.runs).padStart(5)} runs, ${String(row.wins).padStart(4)} wins (A/E ${row.winAe}); ` +
        `the world's own ${own.expected.toFixed(1)} ± ${(1.96 * Math.sqrt(own.variance)).toFixed(1)}, ` +
        `P(≤) ${atMost.toFixed(3)} P(≥) ${atLeast.toFixed(3)}${ok ? '' : '  OUTSIDE'}`,
    );
  }
  console.log(
    `draw: ${inside} of ${draw.gates.length} gates inside the world's exact 95 % interval   target: every gate`,
  );
  // Sixteen 95 % intervals miss 0.8 times on average by chance alone: the gates together, as a χ²
  // of the wins against the world's own (its 95 % point by the Wilson–Hilferty approximation).
  let chi2 = 0;
  let dof = 0;
  for (const row of draw.gates) {
    const own = world.get(row.gate);
    if (!own || own.variance === 0) continue;
    chi2 += (row.wins - own.expected) ** 2 / own.variance;
    dof += 1;
  }
  const critical = dof * (1 - 2 / (9 * dof) + 1.645 * Math.sqrt(2 / (9 * dof))) ** 3;
  console.log(
    `draw, all gates together: χ² ${chi2.toFixed(1)} on ${dof} gates, the 95 % point ${critical.toFixed(1)}` +
      `${chi2 <= critical ? ' (consistent with the world)' : '  OUTSIDE'}`,
  );

  // Distance aptitude: per horse, its average speed figure (the product's, as of the year's end) at
  // sprints and at longer races, against where its hidden preferred distance lies between the two.
  const { FeatureHistory } = loadLib('analysis');
  const end = `${year + 1}-01-01`;
  const history = new FeatureHistory(await new FeaturesRepository(dataSource).history(end));
  const horseRows = await dataSource.query(
    `SELECT e.hr_no AS "hrNo", max(to_char(r.race_date, 'YYYYMMDD')) AS date FROM entries e JOIN races r ON r.id = e.race_id
      JOIN results x ON x.entry_id = e.id WHERE x.finish_status = 'finished' AND r.race_date >= $1 GROUP BY e.hr_no`,
    [`${year}-01-01`],
  );
  let agree = 0;
  let horsesCounted = 0;
  for (const { hrNo, date } of horseRows) {
    const lines = history.formLines(hrNo, end, 500).filter((line) => line.speedFigure !== null);
    const short = lines.filter((line) => line.distanceM <= 1200);
    const long = lines.filter((line) => line.distanceM > 1200);
    if (short.length < 5 || long.length < 5) continue;
    const last = lines.find((line) => line.date.replaceAll('-', '') === date) ?? lines[0];
    const truth = served.truth(last.date.replaceAll('-', ''), last.meet, last.raceNo);
    const hidden = truth?.runners.find((runner) => runner.hrNo === hrNo);
    if (!hidden) continue;
    const mean = (list, field) => list.reduce((sum, item) => sum + item[field], 0) / list.length;
    const middle = (mean(short, 'distanceM') + mean(long, 'distanceM')) / 2;
    const oursLonger = mean(long, 'speedFigure') > mean(short, 'speedFigure');
    const hiddenLonger = hidden.preferredDistance > middle;
    horsesCounted += 1;
    if (oursLonger === hiddenLonger) agree += 1;
  }
  console.log(
    `distance aptitude (average speed figure beyond 1,200 m against at most 1,200 m) agrees in sign with the hidden ` +
      `preference for ${agree} of ${horsesCounted} horses (${((100 * agree) / Math.max(1, horsesCounted)).toFixed(1)}%) ` +
      `with five or more starts at each   target: ≥ 70%`,
  );
} finally {
  await dataSource?.destroy();
  await sandbox.close();
  redis.disconnect();
  await cleanUp(children, keptDatabase === undefined ? database : null, prefix);
}
