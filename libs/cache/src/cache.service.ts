import { REDIS, Redis } from '@app/redis';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import { Counter } from 'prom-client';

export const CACHE_REQUESTS_METRIC = 'cache_requests_total';
export type CacheResult = 'hit' | 'miss' | 'error';

/** Everything this service writes lives under `cache:` (after the client's global key prefix). */
const ENTRY_NAMESPACE = 'cache:entry:';
const TAG_NAMESPACE = 'cache:tag:';

/**
 * Deletes a tag's entries and the tag set in one step, so an entry tagged while we invalidate is
 * not left behind. Set members are stored without the client's key prefix (ioredis only prefixes
 * KEYS), hence the prefix in ARGV[1].
 */
const INVALIDATE_SCRIPT = `
local members = redis.call('SMEMBERS', KEYS[1])
for i = 1, #members, 500 do
  local batch = {}
  for j = i, math.min(i + 499, #members) do batch[#batch + 1] = ARGV[1] .. members[j] end
  redis.call('UNLINK', unpack(batch))
end
redis.call('UNLINK', KEYS[1])
return #members`;

/**
 * A JSON read-through cache in Redis with tag invalidation. It fails open: while Redis is
 * unavailable, reads miss (callers go to Postgres), writes and invalidations are skipped, one
 * warning is logged per outage, and nothing throws.
 */
@Injectable()
export class CacheService {
  private readonly logger = new Logger(CacheService.name);
  private down = false;
  /** Loads in progress per key: concurrent misses of a hot key share one Postgres query. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @InjectMetric(CACHE_REQUESTS_METRIC) private readonly requests: Counter<'result'>,
  ) {}

  /** The tag of everything derived from one race day; the collection engine invalidates it on every write to that day. */
  static dayTag(date: string, meet: number): string {
    const day = /^\d{8}$/.test(date) ? `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6)}` : date;
    return `day:${day}:${meet}`;
  }

  /** The tag of everything derived from the whole history (the analysis): dropped on every write of race data. */
  static readonly HISTORY_TAG = 'history';

  /** The tag of everything derived from one horse, jockey or trainer (its profile); dropped when a race of theirs is written. */
  static entityTag(kind: 'horse' | 'jockey' | 'trainer', id: string): string {
    return `${kind}:${id}`;
  }

  /** The cached JSON text as stored, for responses that can be sent without parsing. */
  async getText(key: string): Promise<string | undefined> {
    let text: string | null;
    try {
      text = await this.redis.get(ENTRY_NAMESPACE + key);
      this.recovered();
    } catch (error) {
      this.failed('read', error);
      this.requests.inc({ result: 'error' });
      return undefined;
    }
    this.requests.inc({ result: text === null ? 'miss' : 'hit' });
    return text ?? undefined;
  }

  async getJson<T>(key: string): Promise<T | undefined> {
    const text = await this.getText(key);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text) as T;
    } catch {
      return undefined; // not ours or truncated: the next write replaces it
    }
  }

  async setJson(key: string, value: unknown, ttlSeconds: number, tags: string[] = []): Promise<void> {
    if (value === undefined) return; // JSON has no undefined; callers would read back a miss anyway
    await this.setText(key, JSON.stringify(value), ttlSeconds, tags);
  }

  /** Stores JSON text as it is (see {@link getText}). */
  async setText(key: string, text: string, ttlSeconds: number, tags: string[] = []): Promise<void> {
    const ttl = Math.max(1, Math.ceil(ttlSeconds));
    const entryKey = ENTRY_NAMESPACE + key;
    const transaction = this.redis.multi().set(entryKey, text, 'EX', ttl);
    for (const tag of new Set(tags)) {
      const tagKey = TAG_NAMESPACE + tag;
      // The tag set must outlive every entry it names: set an expiry if it has none, extend it otherwise.
      transaction.sadd(tagKey, entryKey).expire(tagKey, ttl, 'NX').expire(tagKey, ttl, 'GT');
    }
    try {
      const replies = await transaction.exec();
      const failure = replies?.find(([error]) => error !== null)?.[0];
      if (failure) throw failure;
      this.recovered();
    } catch (error) {
      this.failed('write', error);
    }
  }

  async invalidateTag(tag: string): Promise<void> {
    await this.invalidateTags([tag]);
  }

  /** Several tags in one round trip (a race day and everyone who ran on it, say). */
  async invalidateTags(tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    try {
      const pipeline = this.redis.pipeline();
      for (const tag of new Set(tags))
        pipeline.eval(INVALIDATE_SCRIPT, 1, TAG_NAMESPACE + tag, this.redis.options.keyPrefix ?? '');
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
      this.recovered();
    } catch (error) {
      this.failed('invalidation', error);
    }
  }

  /** Read-through: the cached value, or `load()`'s result, cached for `ttlSeconds` under `tags`. */
  async wrap<T>(key: string, ttlSeconds: number, tags: string[], load: () => Promise<T>): Promise<T> {
    return JSON.parse(
      await this.wrapText(key, ttlSeconds, tags, async () => JSON.stringify(await load()) ?? 'null'),
    ) as T;
  }

  /**
   * Read-through for JSON text: a hit is returned as stored, so a hot response is sent without being
   * parsed and serialised again. Concurrent misses of a key share one load.
   */
  async wrapText(key: string, ttlSeconds: number, tags: string[], load: () => Promise<string>): Promise<string> {
    const cached = await this.getText(key);
    if (cached !== undefined) return cached;
    const pending = this.inFlight.get(key) as Promise<string> | undefined;
    if (pending) return pending;
    const loading = (async () => {
      const text = await load();
      await this.setText(key, text, ttlSeconds, tags);
      return text;
    })();
    this.inFlight.set(key, loading);
    try {
      return await loading;
    } finally {
      this.inFlight.delete(key);
    }
  }

  private failed(operation: string, error: unknown): void {
    if (this.down) return;
    this.down = true;
    const reason = error instanceof Error ? error.message : String(error);
    this.logger.warn(`Cache ${operation} failed, serving without the cache while Redis is unavailable: ${reason}`);
  }

  private recovered(): void {
    if (!this.down) return;
    this.down = false;
    this.logger.log('Cache restored: Redis answers again');
  }
}
