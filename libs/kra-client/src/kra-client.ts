import { registerSecret } from '@app/common';
import type { AppConfig } from '@app/config';
import { Logger } from '@nestjs/common';
import axios, { AxiosInstance } from 'axios';
import { once } from 'node:events';
import type Redis from 'ioredis';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { readKraAnswer, KraHttpAnswer, KraPage } from './envelope';
import { KraError, KraQuotaExceededError, KraTransientError } from './kra-errors';
import { incompletePage, needsAnotherPage, retryDelayMs, shouldRetry } from './retry-policy';
import {
  DividendRecord,
  EntryRecord,
  HorseRecord,
  JockeyRecord,
  RaceResultRecord,
  RaceTotalRecord,
  RacePlanRecord,
  RawItem,
  ScratchRecord,
  toDividend,
  toEntry,
  toHorse,
  toJockey,
  toRacePlan,
  toRaceResult,
  toRaceTotal,
  toScratch,
  toTrack,
  toTrainer,
  TrackRecord,
  TrainerRecord,
} from './kra-records';
import { KRA_SERVICES, KraServiceKey, KraServiceName } from './kra-services';
import { kstDateOf } from '@app/calendar';
import { UpstreamLimiter } from './upstream-limiter';

/** The client's settings: the KRA_* configuration, with the upstream resolved at start-up. */
export type KraClientSettings = Omit<
  AppConfig['kra'],
  'serviceKey' | 'baseUrl' | 'sandboxSeed' | 'sandboxWorld' | 'sandboxWorldStart'
> & {
  baseUrl: string;
  /** Raw or percent-encoded, as the portal shows it; normalised to raw and encoded once per call. */
  serviceKey: string;
};

export interface KraMetrics {
  requests: Counter<'service' | 'outcome'>;
  duration: Histogram<'service'>;
  quotaRemaining: Gauge<'service'>;
}

/** What a call returns: normalised records, and the raw items they came from for provenance. */
export interface KraResult<T> {
  service: KraServiceName;
  params: Record<string, string>;
  records: T[];
  raw: RawItem[];
  fetchedAt: Date;
  /** Upstream requests this call made (pages and retries); 0 when served from cache or shared. */
  upstreamCalls: number;
  fromCache: boolean;
}

type Params = Record<string, string | number | undefined>;

const REDIS_WAIT_MS = 1_000;

/** Services whose answers may be cached: master data only, never cards, results or dividends. */
const CACHEABLE = new Set<KraServiceKey>(['horse', 'jockey', 'trainer']);

/** The portal shows keys raw (with + / =) or percent-encoded; keep the raw form. */
export function normaliseServiceKey(key: string): string {
  const trimmed = key.trim();
  if (!/%[0-9A-Fa-f]{2}/.test(trimmed)) return trimmed;
  try {
    return decodeURIComponent(trimmed);
  } catch {
    return trimmed;
  }
}

/**
 * The KRA OpenAPI client: typed methods per service over one transport that pages until complete,
 * retries transient failures with backoff and jitter, stops calling a service whose daily quota is
 * spent (shared through Redis), limits concurrency and rate, shares identical concurrent calls and
 * caches master data.
 */
export class KraClient {
  private readonly logger = new Logger(KraClient.name);
  private readonly http: AxiosInstance;
  private readonly serviceKey: string;
  private readonly limiter: UpstreamLimiter;
  private readonly inFlight = new Map<string, Promise<KraResult<RawItem>>>();
  private readonly exhaustedUntil = new Map<string, Date>();
  private redisWarned = false;

  constructor(
    private readonly settings: KraClientSettings,
    private readonly redis?: Redis,
    private readonly metrics?: KraMetrics,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.serviceKey = normaliseServiceKey(settings.serviceKey);
    registerSecret(this.serviceKey);
    registerSecret(encodeURIComponent(encodeURIComponent(this.serviceKey)));
    this.http = axios.create({
      timeout: settings.timeoutMs,
      responseType: 'text',
      transformResponse: (body: unknown) => body,
      validateStatus: () => true,
    });
    this.limiter = new UpstreamLimiter(settings.concurrency, settings.requestsPerSecond);
  }

  /** API26_2. The gateway ignores `rc_no`, so the rows of other races are filtered out here. */
  async entrySheet(meet: number, date: string, raceNo?: number): Promise<KraResult<EntryRecord>> {
    const result = await this.map(
      'entrySheet',
      { meet, rc_date: compact(date), rc_month: compact(date).slice(0, 6) },
      toEntry,
    );
    if (raceNo === undefined) return result;
    const keep = result.records.map((record) => record.raceNo === raceNo);
    return { ...result, records: result.records.filter((_, i) => keep[i]), raw: result.raw.filter((_, i) => keep[i]) };
  }

  racePlan(meet: number, date: string): Promise<KraResult<RacePlanRecord>> {
    return this.map(
      'racePlan',
      { meet, rc_date: compact(date), rc_month: compact(date).slice(0, 6), rc_year: compact(date).slice(0, 4) },
      toRacePlan,
    );
  }

  raceResults(meet: number, date: string, raceNo: number): Promise<KraResult<RaceResultRecord>> {
    return this.map(
      'raceResult',
      { meet, rc_date: compact(date), rc_month: compact(date).slice(0, 6), rc_no: raceNo },
      toRaceResult,
    );
  }

  /** API299: every runner of the day's races with its result and counts, and each race's flags (see summariseRaceTotals). */
  raceTotals(meet: number, date: string): Promise<KraResult<RaceTotalRecord>> {
    return this.map(
      'raceResultTotal',
      { meet, rc_date: compact(date), rc_month: compact(date).slice(0, 6), rc_year: compact(date).slice(0, 4) },
      toRaceTotal,
    );
  }

  horse(hrNo: string, meet?: number): Promise<KraResult<HorseRecord>> {
    return this.map('horse', { hr_no: hrNo, meet }, toHorse);
  }

  jockey(jkNo: string, meet?: number): Promise<KraResult<JockeyRecord>> {
    return this.map('jockey', { jk_no: jkNo, meet }, toJockey);
  }

  trainer(trNo: string, meet?: number): Promise<KraResult<TrainerRecord>> {
    return this.map('trainer', { tr_no: trNo, meet }, toTrainer);
  }

  dividends(meet: number, date: string, raceNo: number): Promise<KraResult<DividendRecord>> {
    return this.map('dividends', { meet, rc_date: compact(date), rc_no: raceNo }, toDividend);
  }

  track(meet: number, from: string, to: string = from): Promise<KraResult<TrackRecord>> {
    return this.map('track', { meet, rc_date_fr: compact(from), rc_date_to: compact(to) }, toTrack);
  }

  scratches(meet: number, date: string): Promise<KraResult<ScratchRecord>> {
    return this.map('scratches', { meet, rc_date: compact(date) }, toScratch);
  }

  /** Calls made to a service today (KST), as counted in Redis for the quota. */
  async callsToday(service: KraServiceName): Promise<number> {
    const count = await this.safeRedis((redis) => redis.get(this.callsKey(service)));
    return Number(count ?? 0);
  }

  private async map<T>(key: KraServiceKey, params: Params, toRecord: (item: RawItem) => T): Promise<KraResult<T>> {
    const result = await this.fetchAll(key, params);
    return { ...result, records: result.raw.map(toRecord) };
  }

  /** Every row for a query, shared with identical calls already in flight. */
  private fetchAll(key: KraServiceKey, params: Params): Promise<KraResult<RawItem>> {
    const clean = cleanParams(params);
    const id = `${key}?${new URLSearchParams(clean).toString()}`;
    const running = this.inFlight.get(id);
    if (running) return running.then((result) => ({ ...result, upstreamCalls: 0 }));
    const call = this.fetchAllUncached(key, clean).finally(() => this.inFlight.delete(id));
    this.inFlight.set(id, call);
    return call;
  }

  private async fetchAllUncached(key: KraServiceKey, params: Record<string, string>): Promise<KraResult<RawItem>> {
    const service = KRA_SERVICES[key].name;
    const cacheKey = `cache:kra:${service}:${new URLSearchParams(params).toString()}`;
    // A TTL of 0 disables the cache: neither read nor written.
    if (CACHEABLE.has(key) && this.settings.masterCacheTtlSeconds > 0) {
      const cached = await this.safeRedis((redis) => redis.get(cacheKey));
      if (cached) {
        const raw = JSON.parse(cached) as RawItem[];
        return { service, params, records: raw, raw, fetchedAt: this.now(), upstreamCalls: 0, fromCache: true };
      }
    }
    await this.failFastIfExhausted(service);
    const raw: RawItem[] = [];
    let upstreamCalls = 0;
    // Pages until every row the gateway counted has arrived: a page may hold fewer rows than
    // asked for (the gateway pages silently), and one that comes back empty early is retried
    // like any transient failure, never taken as the end of the list.
    for (let pageNo = 1, expected = 0; pageNo === 1 || needsAnotherPage(raw.length, expected); pageNo += 1) {
      const { page, calls } = await this.fetchPage(key, params, pageNo, raw.length);
      upstreamCalls += calls;
      raw.push(...page.items);
      expected = page.totalCount;
    }
    if (CACHEABLE.has(key) && raw.length > 0 && this.settings.masterCacheTtlSeconds > 0) {
      await this.safeRedis((redis) =>
        redis.set(cacheKey, JSON.stringify(raw), 'EX', this.settings.masterCacheTtlSeconds),
      );
    }
    return { service, params, records: raw, raw, fetchedAt: this.now(), upstreamCalls, fromCache: false };
  }

  /** One page, retried on transient errors with exponential backoff, full jitter and Retry-After. */
  private async fetchPage(
    key: KraServiceKey,
    params: Record<string, string>,
    pageNo: number,
    rowsSoFar: number,
  ): Promise<{ page: KraPage; calls: number }> {
    const service = KRA_SERVICES[key].name;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const page = await this.request(key, params, pageNo);
        const incomplete = incompletePage(pageNo, page.items.length, rowsSoFar, page.totalCount);
        if (incomplete) throw new KraTransientError(service, incomplete);
        return { page, calls: attempt + 1 };
      } catch (error) {
        // The gateway's own quota answer (code 22 / HTTP 429), not a call this process held back.
        if (error instanceof KraQuotaExceededError && (error.code !== undefined || error.httpStatus !== undefined))
          await this.markExhausted(service, error.resetAt);
        if (!(error instanceof KraTransientError) || !shouldRetry(attempt, this.settings)) throw error;
        const delay = retryDelayMs(attempt, this.settings, error.retryAfterSeconds);
        this.logger.warn(
          `${error.message}; retry ${attempt + 1} of ${this.settings.maxRetries} in ${Math.round(delay)} ms`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  private async request(key: KraServiceKey, params: Record<string, string>, pageNo: number): Promise<KraPage> {
    const { name: service, path } = KRA_SERVICES[key];
    const release = await this.limiter.acquire();
    // Calls that waited in the pacer while another one got the quota answer must not be sent.
    const blocked = this.locallyExhausted(service);
    if (blocked) {
      release();
      throw blocked;
    }
    const stopTimer = this.metrics?.duration.startTimer({ service });
    let outcome = 'ok';
    try {
      await this.countCall(service);
      const stillBlocked = this.locallyExhausted(service);
      if (stillBlocked) throw stillBlocked;
      const answer = await this.get(service, path, {
        ...params,
        pageNo: String(pageNo),
        numOfRows: String(this.settings.pageSize),
        _type: 'json',
      });
      const page = readKraAnswer(service, answer, this.now);
      if (page.items.length === 0) outcome = 'empty';
      return page;
    } catch (error) {
      outcome = error instanceof KraError ? outcomeOf(error) : 'error';
      // Before the pacer lets the next call go: from this answer on, no call of this service starts.
      if (error instanceof KraQuotaExceededError) this.exhaustedUntil.set(service, error.resetAt);
      throw error;
    } finally {
      stopTimer?.();
      this.metrics?.requests.inc({ service, outcome });
      release();
    }
  }

  /** The HTTP exchange. Transport failures become typed errors whose text never holds the URL. */
  private async get(service: string, path: string, params: Record<string, string>): Promise<KraHttpAnswer> {
    const query = Object.entries({ serviceKey: this.serviceKey, ...params })
      .map(([name, value]) => `${name}=${encodeURIComponent(value)}`)
      .join('&');
    try {
      const response = await this.http.get<string>(`${this.settings.baseUrl.replace(/\/$/, '')}/${path}?${query}`);
      return {
        status: response.status,
        body: typeof response.data === 'string' ? response.data : '',
        retryAfterSeconds: retryAfter(response.headers['retry-after']),
      };
    } catch (error) {
      const code = (error as { code?: string }).code ?? 'UNKNOWN';
      const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
      throw new KraTransientError(
        service,
        timedOut ? `no answer within ${this.settings.timeoutMs} ms` : `connection failed (${code})`,
        code,
      );
    }
  }

  /** The quota error for a service this process knows is exhausted, or null. */
  private locallyExhausted(service: KraServiceName): KraQuotaExceededError | null {
    const until = this.exhaustedUntil.get(service);
    return until && until > this.now() ? this.blocked(service, until) : null;
  }

  private async failFastIfExhausted(service: KraServiceName): Promise<void> {
    const local = this.exhaustedUntil.get(service);
    if (local && local > this.now()) throw this.blocked(service, local);
    const shared = await this.safeRedis((redis) => redis.get(`quota:kra:${service}:exhausted-until`));
    if (shared && new Date(shared) > this.now()) {
      this.exhaustedUntil.set(service, new Date(shared));
      throw this.blocked(service, new Date(shared));
    }
  }

  private blocked(service: KraServiceName, until: Date): KraQuotaExceededError {
    this.metrics?.requests.inc({ service, outcome: 'quota_blocked' });
    return new KraQuotaExceededError(service, until);
  }

  /** Code 22 / HTTP 429: no more calls to this service, in any process, until midnight KST. */
  private async markExhausted(service: string, until: Date): Promise<void> {
    this.exhaustedUntil.set(service, until);
    this.metrics?.quotaRemaining.set({ service }, 0);
    await this.safeRedis((redis) =>
      redis.set(`quota:kra:${service}:exhausted-until`, until.toISOString(), 'PXAT', until.getTime()),
    );
    this.logger.warn(`${service}: daily quota exhausted; no calls until ${until.toISOString()}`);
  }

  private callsKey(service: string): string {
    return `quota:kra:${service}:calls:${kstDateOf(this.now())}`;
  }

  private async countCall(service: string): Promise<void> {
    const key = this.callsKey(service);
    const count = await this.safeRedis(async (redis) => {
      const [[, calls]] = (await redis
        .multi()
        .incr(key)
        .expire(key, 2 * 86_400)
        .exec()) as [[Error | null, number]];
      return calls;
    });
    if (count !== undefined)
      this.metrics?.quotaRemaining.set({ service }, Math.max(0, this.settings.dailyQuota - count));
  }

  /** Quota bookkeeping and caching must not stop collection when Redis is away: warn once, go on. */
  private async safeRedis<T>(work: (redis: Redis) => Promise<T>): Promise<T | undefined> {
    if (!this.redis) return undefined;
    try {
      // Just after start-up the connection may still be opening: give it a moment rather than
      // skipping the quota check (and calling a service another process knows is exhausted).
      if (this.redis.status === 'connecting' || this.redis.status === 'connect') {
        await Promise.race([
          once(this.redis, 'ready').catch(() => undefined),
          new Promise((resolve) => setTimeout(resolve, REDIS_WAIT_MS)),
        ]);
      }
      const value = await work(this.redis);
      this.redisWarned = false;
      return value;
    } catch (error) {
      if (!this.redisWarned)
        this.logger.warn(`Redis unavailable for KRA quota and cache bookkeeping: ${String(error)}`);
      this.redisWarned = true;
      return undefined;
    }
  }
}

function compact(date: string): string {
  return date.replace(/-/g, '');
}

function cleanParams(params: Params): Record<string, string> {
  const clean: Record<string, string> = {};
  for (const [name, value] of Object.entries(params).sort(([a], [b]) => a.localeCompare(b))) {
    if (value !== undefined && value !== '') clean[name] = String(value);
  }
  return clean;
}

function retryAfter(header: unknown): number | undefined {
  if (typeof header !== 'string' || header === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, (at - Date.now()) / 1000);
}

function outcomeOf(error: KraError): string {
  return error.name
    .replace(/^Kra/, '')
    .replace(/Error$/, '')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}
