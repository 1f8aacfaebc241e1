// npm run bench:http — the authenticated API against bare Fastify: same JSON, same load.
// Starts the built API (real Postgres and Redis, its own database and key prefix, request logs on)
// and a bare Fastify server, then compares them in alternating autocannon rounds (median req/s,
// p99, server CPU per request, ratio). A bare Nest server answering the same JSON runs alongside
// for reference: it shows what the framework alone costs.
// Settings: BENCH_DURATION (s per round, default 5), BENCH_ROUNDS (default 3),
// BENCH_CONNECTIONS (default 50), BENCH_VERBOSE=1 to see the API's output.
import { randomBytes } from 'node:crypto';
import {
  adminQuery,
  cleanUp,
  compare,
  freePort,
  postgres,
  redisUrl,
  start,
  startApi,
  verdict,
  waitFor,
} from './harness.mjs';

const adminKey = `kra_bench-${randomBytes(16).toString('hex')}`;
const database = `kra_bench_${Date.now().toString(36)}`;
const prefix = `bench:${database}:`;
const WHOAMI = "{ id: '5b0c8d0e-7f55-4d57-a1a4-9a3b9b3f2f10', name: 'admin (bootstrap)', scopes: ['admin'] }";

const BARE_SERVER = `
const fastify = require('fastify')({ logger: false });
fastify.get('/api/v2/whoami', async () => (${WHOAMI}));
fastify.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`;

const BARE_NEST_SERVER = `
require('reflect-metadata');
const { Controller, Get, Module } = require('@nestjs/common');
const { NestFactory } = require('@nestjs/core');
const { FastifyAdapter } = require('@nestjs/platform-fastify');
class WhoAmI { get() { return ${WHOAMI}; } }
Reflect.decorate([Get()], WhoAmI.prototype, 'get', Object.getOwnPropertyDescriptor(WhoAmI.prototype, 'get'));
const Routes = Reflect.decorate([Module({ controllers: [Reflect.decorate([Controller('api/v2/whoami')], WhoAmI)] })], class {});
NestFactory.create(Routes, new FastifyAdapter(), { logger: false }).then((app) => app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' }));
`;

const children = [];
try {
  await adminQuery(`CREATE DATABASE "${database}"`);
  const [apiPort, barePort, nestPort] = [await freePort(), await freePort(), await freePort()];
  const api = startApi({
    PORT: String(apiPort),
    DATABASE_URL: `${postgres}/${database}`,
    REDIS_URL: redisUrl,
    REDIS_KEY_PREFIX: prefix,
    ADMIN_API_KEY: adminKey,
    RATE_LIMIT_READ: '10000000',
  });
  const bare = start(['-e', BARE_SERVER], { PORT: String(barePort) });
  const nest = start(['-e', BARE_NEST_SERVER], { PORT: String(nestPort) });
  children.push(api, bare, nest);
  const targets = [
    { name: 'bare Fastify', url: `http://127.0.0.1:${barePort}/api/v2/whoami`, headers: {}, child: bare },
    { name: 'bare Nest (ref.)', url: `http://127.0.0.1:${nestPort}/api/v2/whoami`, headers: {}, child: nest },
    {
      name: 'authenticated API',
      url: `http://127.0.0.1:${apiPort}/api/v2/whoami`,
      headers: { 'x-api-key': adminKey },
      child: api,
    },
  ];
  for (const target of targets) await waitFor(target.url, target.headers, target.child);
  const summary = await compare(targets);
  console.log(
    `bare Nest / bare Fastify: ${((summary['bare Nest (ref.)'].rps / summary['bare Fastify'].rps) * 100).toFixed(1)}% (the framework alone, for reference)`,
  );
  verdict(summary, 'authenticated API', 'bare Fastify');
} finally {
  await cleanUp(children, database, prefix);
}
