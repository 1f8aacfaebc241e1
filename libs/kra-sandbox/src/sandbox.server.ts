import type { MeetCode } from './meets';
import { KraResultCode, KraServiceName } from '@app/kra-client';
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseClockBody, parseFaultsBody } from './admin-bodies';
import {
  CONTENT_TYPES,
  HTML_ERROR_PAGE,
  PLAIN_TEXT_ERROR,
  renderGatewayError,
  renderPage,
  renderServiceError,
  ResponseFormat,
} from './envelope';
import { FaultController, FaultKind, FaultTarget, DEFAULT_DAILY_QUOTA, ServiceFaults } from './faults';
import { defaultFixturesDir, FIXTURE_RACE, loadFixtures, matchFixture, noFixtures } from './fixtures';
import { KraWorld } from './kra-world';
import { WORLD_START } from './world/simulation';
import { isRun, queryService, QueryParams, SERVICE_NAMES, serviceForPath } from './services';
import { CallRecord, SandboxStats, StatsRecorder } from './stats';

export interface KraSandboxOptions {
  /** Seeds every generated value (default 'kra-sandbox'). */
  seed?: string;
  /** The sandbox clock (default real time); setClock() overrides it. */
  now?: () => Date;
  /** Raw (decoded) service keys. When given, any other key answers gateway error 30. */
  serviceKeys?: string[];
  /** Faults per service from the start ('*' = every service). */
  faults?: Partial<Record<FaultTarget, ServiceFaults>>;
  /** Calls per service per KST day before error 22 (default 10,000). */
  dailyQuota?: number;
  /** Captured fixtures (default $KRA_FIXTURES_DIR or the repository's libs/kra-sandbox/fixtures); null = generated data only. */
  fixturesDir?: string | null;
  /** How long a 'timeout' fault holds the request before destroying the socket (default 60 s). */
  timeoutHoldMs?: number;
  /**
   * `history` (the default): the simulated world with careers, ratings and a market (simulated once,
   * when the sandbox starts listening); `classic`: each day generated on its own, nothing to simulate.
   */
  world?: 'classic' | 'history';
  /** The first day the history world simulates, YYYY-MM-DD (default 2022-01-01); it ends on 2027-12-31. */
  worldStart?: string;
}

export interface KraSandbox {
  /** Base URL, e.g. http://127.0.0.1:3002/B551015 (after listen). */
  readonly url: string;
  /** The generated world, for tests that want to know what the sandbox will serve. */
  readonly world: KraWorld;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  setFaults(target: FaultTarget, faults: ServiceFaults | null): void;
  failNext(target: FaultTarget, kinds: FaultKind[]): void;
  /** Freezes the sandbox clock at this instant; null goes back to the `now` option / real time. */
  setClock(now: Date | string | null): void;
  now(): Date;
  stats(): SandboxStats & { quota: Record<string, { day: string; used: number; limit: number }> };
  /** Clears stats, failNext queues and quota counters. */
  reset(): void;
}

const GATEWAY_PREFIX = '/B551015';
const MAX_ROWS = 100_000;
const DEFAULT_TIMEOUT_HOLD_MS = 60_000;

interface Paging {
  pageNo: number;
  numOfRows: number;
}

function firstValues(query: unknown): QueryParams {
  const params: QueryParams = {};
  for (const [name, value] of Object.entries((query ?? {}) as Record<string, string | string[]>)) {
    params[name] = Array.isArray(value) ? (value[0] ?? '') : value;
  }
  return params;
}

function paging(params: QueryParams): Paging | null {
  const parse = (value: string | undefined, fallback: number): number | null => {
    if (value === undefined || value === '') return fallback;
    return /^\d{1,9}$/.test(value) && Number(value) >= 1 ? Number(value) : null;
  };
  const pageNo = parse(params.pageNo, 1);
  const numOfRows = parse(params.numOfRows, 10);
  return pageNo === null || numOfRows === null ? null : { pageNo, numOfRows: Math.min(numOfRows, MAX_ROWS) };
}

/** A key the gateway would not know: missing, not configured, or still percent-encoded (sent encoded twice). */
function isUnregisteredKey(key: string | undefined, accepted: Set<string> | null): boolean {
  if (!key) return true;
  if (accepted) return !accepted.has(key);
  return /%[0-9A-Fa-f]{2}/.test(key);
}

/** The history world's first day as YYYYMMDD: a real date, at least half a year before its end. */
function worldStartOf(value: string | undefined): string {
  if (value === undefined) return WORLD_START;
  const compact = value.replaceAll('-', '');
  const iso = `${compact.slice(0, 4)}-${compact.slice(4, 6)}-${compact.slice(6, 8)}`;
  const date = new Date(`${iso}T00:00:00Z`);
  const real = /^\d{8}$/.test(compact) && !Number.isNaN(date.getTime()) && date.toISOString().startsWith(iso);
  if (!real || compact < '20000101' || compact > '20270630')
    throw new Error(`worldStart must be a date YYYY-MM-DD from 2000-01-01 to 2027-06-30, not "${value}"`);
  return compact;
}

export async function createKraSandbox(options: KraSandboxOptions = {}): Promise<KraSandbox> {
  const seed = options.seed ?? 'kra-sandbox';
  const fixturesDir = options.fixturesDir === undefined ? defaultFixturesDir() : options.fixturesDir;
  const world = new KraWorld(
    seed,
    fixturesDir === null ? noFixtures() : loadFixtures(seed, fixturesDir),
    options.world ?? 'history',
    worldStartOf(options.worldStart),
  );
  const faults = new FaultController(SERVICE_NAMES, options.dailyQuota ?? DEFAULT_DAILY_QUOTA, seed);
  for (const [target, serviceFaults] of Object.entries(options.faults ?? {}))
    faults.set(target as FaultTarget, serviceFaults ?? null);
  const stats = new StatsRecorder();
  const acceptedKeys = options.serviceKeys ? new Set(options.serviceKeys) : null;
  const timeoutHoldMs = options.timeoutHoldMs ?? DEFAULT_TIMEOUT_HOLD_MS;
  const heldSockets = new Map<Socket, NodeJS.Timeout>();
  let clockOverride: Date | null = null;
  let baseUrl: string | null = null;

  const now = (): Date => (clockOverride ? new Date(clockOverride) : (options.now?.() ?? new Date()));

  const sandbox: KraSandbox = {
    get url(): string {
      if (!baseUrl) throw new Error('The KRA sandbox is not listening yet');
      return baseUrl;
    },
    world,
    listen: async (port = 0, host = '127.0.0.1') => {
      // The history world is simulated before the first request, so no client's first call waits for it.
      world.served();
      await app.listen({ port, host });
      const address = app.server.address();
      const boundPort = typeof address === 'object' && address ? address.port : port;
      baseUrl = `http://${host}:${boundPort}${GATEWAY_PREFIX}`;
      return baseUrl;
    },
    close: async () => {
      for (const [socket, timer] of heldSockets) {
        clearTimeout(timer);
        socket.destroy();
      }
      heldSockets.clear();
      await app.close();
    },
    setFaults: (target, serviceFaults) => faults.set(target, serviceFaults),
    failNext: (target, kinds) => faults.failNext(target, kinds),
    setClock: (instant) => {
      const frozen = instant === null ? null : new Date(instant);
      if (frozen && Number.isNaN(frozen.getTime())) throw new Error(`Not a date-time: ${String(instant)}`);
      clockOverride = frozen;
    },
    now,
    stats: () => ({
      ...stats.snapshot(),
      quota: Object.fromEntries(SERVICE_NAMES.map((service) => [service, faults.quota(service, now())])),
    }),
    reset: () => {
      stats.reset();
      faults.reset();
    },
  };

  const app: FastifyInstance = Fastify({ logger: false, forceCloseConnections: true });

  const send = (
    reply: FastifyReply,
    call: CallRecord,
    outcome: string,
    status: number,
    contentType: string,
    body: string | Buffer,
  ): FastifyReply => {
    call.outcome = outcome;
    call.status = status;
    return reply.code(status).header('content-type', contentType).send(body);
  };

  /** Never answers: the client has to give up; the socket is destroyed after the hold time. */
  const hold = (request: FastifyRequest, reply: FastifyReply): void => {
    void reply.hijack();
    const socket = request.raw.socket;
    const timer = setTimeout(() => {
      heldSockets.delete(socket);
      socket.destroy();
    }, timeoutHoldMs);
    heldSockets.set(socket, timer);
    socket.once('close', () => {
      clearTimeout(timer);
      heldSockets.delete(socket);
    });
  };

  const applyFault = (
    request: FastifyRequest,
    reply: FastifyReply,
    call: CallRecord,
    service: KraServiceName,
    fault: FaultKind,
    format: ResponseFormat,
  ): FastifyReply | undefined => {
    const outcome = `fault:${fault}`;
    switch (fault) {
      case 'http500':
        return send(
          reply,
          call,
          outcome,
          500,
          'text/html;charset=UTF-8',
          '<html><body><h1>500 Internal Server Error</h1></body></html>',
        );
      case 'http503':
        return send(
          reply,
          call,
          outcome,
          503,
          'text/html;charset=UTF-8',
          '<html><body><h1>503 Service Unavailable</h1></body></html>',
        );
      case 'timeout':
        call.outcome = outcome;
        hold(request, reply);
        return undefined;
      case 'reset':
        call.outcome = outcome;
        void reply.hijack();
        request.raw.socket.resetAndDestroy();
        return undefined;
      case 'code01':
        return send(reply, call, outcome, 200, CONTENT_TYPES[format], renderServiceError('01', format));
      case 'code03':
        return send(reply, call, outcome, 200, CONTENT_TYPES[format], renderServiceError('03', format));
      case 'code99':
        return send(reply, call, outcome, 200, CONTENT_TYPES[format], renderServiceError('99', format));
      case 'plainText':
        return send(reply, call, outcome, 200, 'text/plain;charset=UTF-8', PLAIN_TEXT_ERROR);
      case 'html':
        return send(reply, call, outcome, 502, 'text/html;charset=UTF-8', HTML_ERROR_PAGE);
      case 'emptyPage':
        return serve(reply, call, service, firstValues(request.query), format, { noRows: true });
      case 'pass':
        return serve(reply, call, service, firstValues(request.query), format);
    }
  };

  const serve = (
    reply: FastifyReply,
    call: CallRecord,
    service: KraServiceName,
    params: QueryParams,
    format: ResponseFormat,
    options: { noRows?: boolean } = {},
  ): FastifyReply => {
    const page = paging(params);
    if (!page) return send(reply, call, 'error:10', 200, CONTENT_TYPES[format], renderServiceError('10', format));
    const instant = now();
    const fixtureName = matchFixture(service, params, format, page.pageNo, page.numOfRows);
    // The captured race is a post-race capture: before the race (sandbox clock) the pre-race view is generated.
    const fixtureRaceRun = service !== 'API214_1' || isRunFixtureRace(world, instant);
    const fixture = fixtureName && fixtureRaceRun ? world.fixtures.files.get(fixtureName) : undefined;
    if (fixture && !options.noRows) return send(reply, call, 'ok:fixture', 200, CONTENT_TYPES[format], fixture);

    const result = queryService(world, service, params, instant);
    if (result.kind === 'error')
      return send(
        reply,
        call,
        `error:${result.code}`,
        200,
        CONTENT_TYPES[format],
        renderServiceError(result.code, format),
      );
    const start = (page.pageNo - 1) * page.numOfRows;
    const items = options.noRows ? [] : result.items.slice(start, start + page.numOfRows);
    const body = renderPage(
      { items, numOfRows: page.numOfRows, pageNo: page.pageNo, totalCount: result.items.length },
      format,
    );
    return send(reply, call, options.noRows ? 'fault:emptyPage' : 'ok', 200, CONTENT_TYPES[format], body);
  };

  app.get(`${GATEWAY_PREFIX}/*`, async (request, reply) => {
    const path = (request.params as { '*': string })['*'];
    const params = firstValues(request.query);
    const { serviceKey, ...loggable } = params;
    const format: ResponseFormat = params._type === 'json' ? 'json' : 'xml';
    const service = serviceForPath(path);
    const call = stats.record({
      at: now().toISOString(),
      service: service ?? 'unknown',
      path: `${GATEWAY_PREFIX}/${path}`,
      params: loggable,
    });

    const gatewayError = (code: KraResultCode, status: number, errorFormat: ResponseFormat): FastifyReply =>
      send(reply, call, `gateway:${code}`, status, CONTENT_TYPES[errorFormat], renderGatewayError(code, errorFormat));

    if (!service) return gatewayError('12', 200, 'xml');
    if (isUnregisteredKey(serviceKey, acceptedKeys)) return gatewayError('30', 200, 'xml');

    const decision = faults.decide(service, now());
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.kind === 'gateway') return gatewayError(decision.code, decision.status, decision.format);
    if (decision.kind === 'fault') return applyFault(request, reply, call, service, decision.fault, format);
    return serve(reply, call, service, params, format);
  });

  app.get('/_sandbox/health', () => ({
    status: 'ok',
    seed,
    now: now().toISOString(),
    fixtures: [...world.fixtures.files.keys()],
  }));
  app.get('/_sandbox/stats', () => sandbox.stats());
  // The truth of a race of the history world: each runner's true win probability and hidden factors.
  app.get<{ Params: { date: string; meet: string; rcNo: string } }>(
    '/_sandbox/truth/:date/:meet/:rcNo',
    (request, reply) => {
      const { date, meet, rcNo } = request.params;
      const truth = world.served()?.truth(date.replaceAll('-', ''), Number(meet) as MeetCode, Number(rcNo));
      if (!truth) return reply.code(404).send({ error: 'no such race in the history world' });
      return truth;
    },
  );
  app.get('/_sandbox/faults', () => Object.fromEntries(SERVICE_NAMES.map((service) => [service, faults.get(service)])));
  app.post('/_sandbox/reset', () => {
    sandbox.reset();
    return { reset: true };
  });
  app.put('/_sandbox/faults', (request, reply) => {
    const body = parseFaultsBody(request.body);
    if ('error' in body) return reply.code(400).send({ error: body.error });
    if (body.faults !== undefined) faults.set(body.service, body.faults);
    if (body.failNext) faults.failNext(body.service, body.failNext);
    return body.service === '*'
      ? Object.fromEntries(SERVICE_NAMES.map((service) => [service, faults.get(service)]))
      : { [body.service]: faults.get(body.service) };
  });
  app.put('/_sandbox/clock', (request, reply) => {
    const body = parseClockBody(request.body);
    if ('error' in body) return reply.code(400).send({ error: body.error });
    sandbox.setClock(body.now);
    return { now: now().toISOString(), frozen: body.now !== null };
  });

  await app.ready();
  return sandbox;
}

function isRunFixtureRace(world: KraWorld, now: Date): boolean {
  const race = world.race(FIXTURE_RACE.rcDate, FIXTURE_RACE.meet, FIXTURE_RACE.rcNo);
  return race !== undefined && isRun(race, now);
}
