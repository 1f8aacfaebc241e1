// npm run bench:read — GET /api/v2/collection/races (cached) against a bare Fastify server that
// returns the same cached JSON from the same Redis, in alternating autocannon rounds.
// The race day is collected first through the CLI (sandbox data, no details).
// Settings: BENCH_READ_DATE (default 2025-05-24), BENCH_READ_MEET (default 1), and those of bench:http.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import {
  adminQuery,
  cleanUp,
  compare,
  freePort,
  postgres,
  redisUrl,
  root,
  start,
  startApi,
  verdict,
  waitFor,
} from './harness.mjs';

const date = process.env.BENCH_READ_DATE ?? '2025-05-24';
const meet = Number(process.env.BENCH_READ_MEET ?? 1);
const adminKey = `kra_bench-${randomBytes(16).toString('hex')}`;
const database = `kra_bench_${Date.now().toString(36)}`;
const prefix = `bench:${database}:`;
const cacheKey = `${prefix}cache:entry:read:collection-races:v1:${date}:${meet}`;

// The same cached JSON, straight from Redis: what the API does at best, minus everything else.
const BARE_SERVER = `
const Redis = require('ioredis');
const redis = new Redis(process.env.REDIS_URL, { enableAutoPipelining: true });
const fastify = require('fastify')({ logger: false });
fastify.get('/api/v2/collection/races', async (request, reply) => {
  const cached = await redis.get(process.env.CACHE_KEY);
  if (cached === null) return reply.code(503).send({ message: 'cache empty' });
  return reply.type('application/json; charset=utf-8').send(cached);
});
fastify.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
`;

const env = {
  DATABASE_URL: `${postgres}/${database}`,
  REDIS_URL: redisUrl,
  REDIS_KEY_PREFIX: prefix,
  ADMIN_API_KEY: adminKey,
  RATE_LIMIT_READ: '10000000',
};
const children = [];
try {
  await adminQuery(`CREATE DATABASE "${database}"`);
  execFileSync(
    process.execPath,
    [resolve(root, 'dist/apps/api/src/cli.js'), 'collect', '--date', date, '--meet', String(meet), '--no-details'],
    {
      cwd: root,
      env: { PATH: process.env.PATH, ...env, LOG_LEVEL: 'error', KRA_REQUESTS_PER_SECOND: '1000' },
      stdio: ['ignore', 'ignore', 'ignore'],
    },
  );
  const [apiPort, barePort] = [await freePort(), await freePort()];
  const api = startApi({ ...env, PORT: String(apiPort) });
  const bare = start(['-e', BARE_SERVER], { PORT: String(barePort), REDIS_URL: redisUrl, CACHE_KEY: cacheKey });
  children.push(api, bare);
  const query = `?date=${date}&meet=${meet}`;
  const apiTarget = {
    name: 'cached read API',
    url: `http://127.0.0.1:${apiPort}/api/v2/collection/races${query}`,
    headers: { 'x-api-key': adminKey },
    child: api,
  };
  const bareTarget = {
    name: 'bare Fastify + Redis',
    url: `http://127.0.0.1:${barePort}/api/v2/collection/races${query}`,
    headers: {},
    child: bare,
  };
  await waitFor(apiTarget.url, apiTarget.headers, api); // also fills the cache
  await waitFor(bareTarget.url, {}, bare);
  const body = await (await fetch(apiTarget.url, { headers: apiTarget.headers })).json();
  console.log(
    `${date} meet ${meet}: ${body.races.length} races in the listing, ${JSON.stringify(body).length} bytes of JSON`,
  );
  // Refresh the cache entry (60 s TTL) through the API before every round.
  const summary = await compare([bareTarget, apiTarget], () =>
    fetch(apiTarget.url, { headers: apiTarget.headers }).then((response) => response.arrayBuffer()),
  );
  verdict(summary, 'cached read API', 'bare Fastify + Redis');
} finally {
  await cleanUp(children, database, prefix);
}
