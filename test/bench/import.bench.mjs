// npm run bench:import — generates a legacy file tree from the sandbox (by default 2,500 races, each
// a `_prerace` and an `_enriched` file: 5,000 files) into a temporary directory, imports it into a
// fresh database with the built CLI (`import-legacy`), and prints races/s, files/s and the CLI's
// peak RSS, with its RSS at 25/50/75/100 % of the files to show that memory stays flat. Then it
// imports the same tree again (every race unchanged) for the skip path's speed.
// Settings: BENCH_IMPORT_RACES (default 2500), BENCH_IMPORT_FROM (first race day, default 2023-01-06),
// BENCH_IMPORT_CONCURRENCY (default 4). Target: ≥ 200 races/s with flat memory.
import { spawn } from 'node:child_process';
import { clearInterval, setInterval } from 'node:timers';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire, registerHooks } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Redis from 'ioredis';
import { adminQuery, postgres, redisUrl } from './harness.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
// The tree generator is the tests' own (TypeScript, run with Node's type stripping); its `@app/*`
// imports resolve to the built libraries.
registerHooks({
  resolve(specifier, context, next) {
    const match = /^@app\/([a-z-]+)$/.exec(specifier);
    return next(match ? pathToFileURL(resolve(root, `dist/libs/${match[1]}/src/index.js`)).href : specifier, context);
  },
  load(url, context, next) {
    return next(url, url.endsWith('.ts') ? { ...context, format: 'module-typescript' } : context);
  },
});
const { writeLegacyTree } = await import('../support/legacy-tree.ts');
const { createKraSandbox } = require(resolve(root, 'dist/libs/kra-sandbox/src/index.js'));
const { dataSourceOptions, runMigrationsLocked } = require(resolve(root, 'dist/libs/database/src/index.js'));
const { DataSource } = require('typeorm');

const races = Number(process.env.BENCH_IMPORT_RACES ?? 2500);
const from = process.env.BENCH_IMPORT_FROM ?? '2023-01-06';
const concurrency = process.env.BENCH_IMPORT_CONCURRENCY ?? '4';
const database = `kra_bench_${Date.now().toString(36)}`;
const prefix = `bench:import:${randomBytes(4).toString('hex')}:`;
const mb = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

/** Resident set size of a process, from /proc (bytes); 0 once it has gone. */
function rss(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Runs the built CLI's import-legacy on `dir`, sampling its RSS every 50 ms and noting it when the
 * plain progress lines (one per 5 % of the files) pass 25, 50, 75 and 100 %.
 */
function importTree(dir) {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [resolve(root, 'dist/apps/api/src/cli.js'), 'import-legacy', dir, '--concurrency', concurrency],
      {
        cwd: root,
        env: {
          PATH: process.env.PATH,
          DATABASE_URL: `${postgres}/${database}`,
          REDIS_URL: redisUrl,
          REDIS_KEY_PREFIX: prefix,
          LOG_LEVEL: 'warn',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    let peak = 0;
    const atPercent = {};
    const timer = setInterval(() => (peak = Math.max(peak, rss(child.pid))), 50);
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      for (const match of String(chunk).matchAll(/\((\d+)%\)/g)) {
        const percent = Number(match[1]);
        if (percent % 25 === 0 && !(percent in atPercent)) {
          const now = rss(child.pid);
          peak = Math.max(peak, now);
          atPercent[percent] = now;
        }
      }
    });
    child.on('error', fail);
    child.on('exit', (code) => {
      clearInterval(timer);
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      const line = stdout.trim().split('\n').at(-1) ?? '';
      if (code !== 0) return fail(new Error(`import-legacy exited with ${code}:\n${stderr}`));
      done({ report: JSON.parse(line), wallMs, peak, atPercent, stderr });
    });
  });
}

const scratch = await mkdtemp(join(tmpdir(), 'kra-bench-import-'));
const sandbox = await createKraSandbox();
await adminQuery(`CREATE DATABASE "${database}"`);
try {
  const generated = process.hrtime.bigint();
  const tree = await writeLegacyTree(join(scratch, 'races'), sandbox.world, { from, races });
  const generateMs = Number(process.hrtime.bigint() - generated) / 1e6;
  console.log(
    `tree: ${tree.races} races (each _prerace + _enriched), ${tree.files} files, ${tree.runners} runners, race days ${tree.days[0].date} to ${tree.last}; generated in ${(generateMs / 1000).toFixed(1)} s`,
  );

  const dataSource = await new DataSource(
    dataSourceOptions({ url: `${postgres}/${database}`, poolSize: 4 }, 'bench-import'),
  ).initialize();
  await runMigrationsLocked(dataSource);
  await dataSource.destroy();

  const first = await importTree(join(scratch, 'races'));
  const { report } = first;
  const seconds = report.durationMs / 1000;
  const racesPerSecond = report.imported / seconds;
  console.log(
    `import into a fresh database (concurrency ${concurrency}): ${report.imported} races imported, ${report.unchanged} unchanged, ${report.failed} failed`,
  );
  console.log(
    `  ${seconds.toFixed(2)} s importing (${(first.wallMs / 1000).toFixed(2)} s wall, with the CLI's start and exit)`,
  );
  console.log(
    `  ${racesPerSecond.toFixed(0)} races/s, ${(report.files / seconds).toFixed(0)} files/s, ${(report.races > 0 ? tree.runners / seconds : 0).toFixed(0)} runners/s`,
  );
  console.log(
    `  peak RSS ${mb(first.peak)}; RSS at 25/50/75/100 % of the files: ${[25, 50, 75, 100].map((p) => mb(first.atPercent[p] ?? 0)).join(' / ')}`,
  );

  const again = await importTree(join(scratch, 'races'));
  const skipSeconds = again.report.durationMs / 1000;
  console.log(
    `import again (every race unchanged): ${again.report.unchanged} unchanged, ${again.report.imported} imported`,
  );
  console.log(
    `  ${skipSeconds.toFixed(2)} s, ${(again.report.races / skipSeconds).toFixed(0)} races/s, peak RSS ${mb(again.peak)}`,
  );

  const samples = [25, 50, 75, 100].map((p) => first.atPercent[p]).filter(Boolean);
  const flat = samples.length === 4 && Math.max(...samples) - Math.min(...samples) < 64 * 1024 * 1024;
  console.log(racesPerSecond >= 200 ? 'target met: ≥ 200 races/s' : 'target NOT met: < 200 races/s');
  console.log(
    flat ? 'target met: RSS flat (spread < 64 MB from 25 % to 100 %)' : 'target NOT met: RSS grows over the run',
  );
  if (report.failures.length > 0 || again.report.failures.length > 0)
    console.log(`failures: ${JSON.stringify([...report.failures, ...again.report.failures].slice(0, 5))}`);
} finally {
  await sandbox.close();
  await rm(scratch, { recursive: true, force: true });
  await adminQuery(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}
