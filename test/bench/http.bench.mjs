// npm run bench:http — the authenticated API against bare Fastify: same JSON, same load.
// Starts the built API (real Postgres and Redis, its own database and key prefix, request logs on)
// and a bare Fastify server, then runs autocannon against each in alternating rounds and prints the
// median req/s, p99 latency, server CPU per request and the ratio. A bare Nest server answering the
// same JSON runs alongside, for reference: it shows what the framework alone costs.
// Settings: BENCH_DURATION (s per round, default 5), BENCH_ROUNDS (default 3),
// BENCH_CONNECTIONS (default 50), BENCH_VERBOSE=1 to see the API's output.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import Redis from 'ioredis';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const duration = Number(process.env.BENCH_DURATION ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 50);
const postgres = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432';
const redisUrl = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const adminKey = `kra_bench-${randomBytes(16).toString('hex')}`;
const database = `kra_bench_${Date.now().toString(36)}`;
const prefix = `bench:${database}:`;

const BARE_SERVER = `
const fastify = require('fastify')({ logger: false });
fastify.get('/api/v2/whoami', async () => ({ id: '5b0c8d0e-7f55-4d57-a1a4-9a3b9b3f2f10', name: 'admin (bootstrap)', scopes: ['admin'] }));
fastify.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`;

// The same route on Nest over Fastify with none of the product's features: the framework's share.
const BARE_NEST_SERVER = `
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
class WhoAmI { get() { return { id: '5b0c8d0e-7f55-4d57-a1a4-9a3b9b3f2f10', name: 'admin (bootstrap)', scopes: ['admin'] }; } }
Reflect.decorate([Get()], WhoAmI.prototype, 'get', Object.getOwnPropertyDescriptor(WhoAmI.prototype, 'get'));
const Routes = Reflect.decorate([Module({ controllers: [Reflect.decorate([Controller('api/v2/whoami')], WhoAmI)] })], class {});
NestFactory.create(Routes, new FastifyAdapter(), { logger: false }).then((app) => app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }));
`;

function freePort() {
  return new Promise((done) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: `${postgres}/postgres` });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function start(args, env) {
  const stdout = process.env.BENCH_VERBOSE ? 'inherit' : 'ignore';
  return spawn(process.execPath, args, { cwd: root, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', stdout, 'inherit'] });
}

async function waitFor(url, headers, child) {
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
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function load(url, headers, seconds) {
  return new Promise((done, fail) => {
    autocannon({ url, headers, connections, duration: seconds }, (error, result) => (error ? fail(error) : done(result)));
  });
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

const children = [];
try {
  await adminQuery(`CREATE DATABASE "${database}"`);
  const [apiPort, barePort, nestPort] = [await freePort(), await freePort(), await freePort()];
  // The command line of `npm run start:api` and the Docker image.
  const api = start(['--max-semi-space-size=32', resolve(root, 'dist/apps/api/src/main.js')], {
    PORT: String(apiPort),
    HOST: '127.0.0.1',
    DATABASE_URL: `${postgres}/${database}`,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    ADMIN_API_KEY: adminKey,
    RATE_LIMIT_READ: '10000000',
    LOG_LEVEL: 'info',
  });
  const bare = start(['-e', BARE_SERVER], { PORT: String(barePort) });
  const nest = start(['-e', BARE_NEST_SERVER], { PORT: String(nestPort) });
  children.push(api, bare, nest);
  const targets = [
    { name: 'bare Fastify', url: `http://127.0.0.1:${barePort}/api/v2/whoami`, headers: {}, child: bare, rounds: [] },
    { name: 'bare Nest (ref.)', url: `http://127.0.0.1:${nestPort}/api/v2/whoami`, headers: {}, child: nest, rounds: [] },
    { name: 'authenticated API', url: `http://127.0.0.1:${apiPort}/api/v2/whoami`, headers: { 'x-api-key': adminKey }, child: api, rounds: [] },
  ];
  for (const target of targets) await waitFor(target.url, target.headers, target.child);

  // Rounds alternate between the servers and medians are reported, so that drift in the speed of
  // a shared machine affects both sides alike.
  console.log(`autocannon: ${connections} connections, ${rounds} alternating rounds of ${duration} s per server, after a 3 s warm-up each`);
  for (const target of targets) await load(target.url, target.headers, 3);
  for (let round = 0; round < rounds; round += 1) {
    for (const target of targets) {
      const cpuBefore = cpuSeconds(target.child.pid);
      const result = await load(target.url, target.headers, duration);
      const failures = result.errors + result.timeouts + result.non2xx;
      if (failures > 0) throw new Error(`${target.name}: ${failures} failed or non-2xx responses`);
      const cpuMicros = ((cpuSeconds(target.child.pid) - cpuBefore) / result.requests.total) * 1e6;
      target.rounds.push({ rps: result.requests.average, p99: result.latency.p99, cpuMicros });
    }
  }
  for (const target of targets) {
    target.rps = median(target.rounds.map((r) => r.rps));
    target.p99 = median(target.rounds.map((r) => r.p99));
    const cpu = median(target.rounds.map((r) => r.cpuMicros));
    const each = target.rounds.map((r) => r.rps.toFixed(0)).join(', ');
    console.log(`${target.name.padEnd(18)} ${target.rps.toFixed(0).padStart(7)} req/s  p99 ${target.p99} ms  server CPU ${cpu.toFixed(0)} µs/request  (rounds: ${each})`);
  }
  const [bareResult, nestResult, apiResult] = targets;
  const ratio = apiResult.rps / bareResult.rps;
  console.log(`bare Nest / bare Fastify: ${((nestResult.rps / bareResult.rps) * 100).toFixed(1)}% (the framework alone, for reference)`);
  console.log(`ratio (API / bare Fastify): ${(ratio * 100).toFixed(1)}%   target: ≥ 50% with p99 ≤ 25 ms`);
  console.log(`${ratio >= 0.5 ? 'ratio target met' : 'ratio target NOT met'}; ${apiResult.p99 <= 25 ? 'p99 target met' : 'p99 target NOT met'}`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await new Promise((done) => setTimeout(done, 1000));
  await adminQuery(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`).catch(() => undefined);
  const redis = new Redis(redisUrl);
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
}
