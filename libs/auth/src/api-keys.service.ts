import { APP_CONFIG, AppConfig, ApiScope } from '@app/config';
import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  OnApplicationBootstrap,
} from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { EntityManager, IsNull, Repository } from 'typeorm';
import { ApiKey } from './api-key.entity';
import { AuthenticatedKey } from './authenticated-key';

const ADMIN_SEED_LOCK_ID = 7_264_019_332;
const LAST_USED_RESOLUTION_MS = 60_000;
const MAX_CACHED_KEYS = 10_000;

interface CachedLookup {
  key: (AuthenticatedKey & { expiresAt: Date | null }) | null;
  until: number;
}

export function hashApiKey(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

/** Secrets carry a fixed prefix so that they are easy to recognise, and to redact, anywhere. */
export function generateApiKeySecret(): string {
  return `kra_${randomBytes(32).toString('base64url')}`;
}

@Injectable()
export class ApiKeysService implements OnApplicationBootstrap {
  private readonly logger = new Logger(ApiKeysService.name);
  /** Verified (and unknown) keys by hash, so most requests cost no database round trip. */
  private readonly cache = new Map<string, CachedLookup>();
  private readonly lastTouched = new Map<string, number>();

  constructor(
    @InjectRepository(ApiKey) private readonly keys: Repository<ApiKey>,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.ensureAdminKey();
  }

  async create(name: string, scopes: ApiScope[], expiresAt: Date | null): Promise<{ apiKey: ApiKey; secret: string }> {
    const secret = generateApiKeySecret();
    const apiKey = await this.insert(name, scopes, expiresAt, secret);
    return { apiKey, secret };
  }

  list(): Promise<ApiKey[]> {
    return this.keys.find({ order: { createdAt: 'DESC' } });
  }

  async revoke(id: string): Promise<void> {
    const apiKey = await this.keys.findOneBy({ id });
    if (!apiKey) throw new NotFoundException(`No API key with id ${id}`);
    if (apiKey.revokedAt) return;
    if (apiKey.scopes.includes('admin') && (await this.activeAdminCount()) <= 1 && this.isActive(apiKey)) {
      throw new ConflictException('This is the last active admin key; create another admin key before revoking it');
    }
    await this.keys.update({ id, revokedAt: IsNull() }, { revokedAt: new Date() });
    for (const [hash, entry] of this.cache) if (entry.key?.id === id) this.cache.delete(hash);
  }

  /** The key behind a secret, or null when it is unknown, revoked or expired. */
  async verify(secret: string): Promise<AuthenticatedKey | null> {
    const hash = hashApiKey(secret);
    const now = Date.now();
    let entry = this.cache.get(hash);
    if (!entry || entry.until <= now) {
      entry = { key: await this.lookup(hash), until: now + this.config.auth.keyCacheTtlMs };
      if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
      this.cache.set(hash, entry);
    }
    const key = entry.key;
    if (!key || (key.expiresAt && key.expiresAt.getTime() <= now)) return null;
    this.touch(key.id, now);
    return { id: key.id, name: key.name, scopes: key.scopes };
  }

  private async lookup(hash: string): Promise<CachedLookup['key']> {
    const row = await this.keys.findOne({ where: { keyHash: hash, revokedAt: IsNull() } });
    return row ? { id: row.id, name: row.name, scopes: row.scopes, expiresAt: row.expiresAt } : null;
  }

  /** Records use at most once a minute per key, off the request path. */
  private touch(id: string, now: number): void {
    if ((this.lastTouched.get(id) ?? 0) > now - LAST_USED_RESOLUTION_MS) return;
    this.lastTouched.set(id, now);
    this.keys
      .update({ id }, { lastUsedAt: new Date(now) })
      .catch((error: unknown) => this.logger.warn(`Could not record use of key ${id}: ${String(error)}`));
  }

  private async insert(name: string, scopes: ApiScope[], expiresAt: Date | null, secret: string): Promise<ApiKey> {
    const apiKey = this.keys.create({ name, scopes, expiresAt, keyHash: hashApiKey(secret) });
    const saved = await this.keys.save(apiKey);
    const { keyHash: _hash, ...visible } = saved;
    return visible as ApiKey;
  }

  private isActive(apiKey: ApiKey): boolean {
    return !apiKey.revokedAt && (!apiKey.expiresAt || apiKey.expiresAt.getTime() > Date.now());
  }

  private async activeAdminCount(manager: EntityManager = this.keys.manager): Promise<number> {
    const [{ count }] = await manager.query<{ count: string }[]>(
      `SELECT count(*) FROM api_keys
        WHERE 'admin' = ANY(scopes) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    );
    return Number(count);
  }

  /**
   * First start: with no active admin key, create one from ADMIN_API_KEY, or generate one and print
   * it once. An advisory lock keeps replicas that start together from creating one each.
   */
  private async ensureAdminKey(): Promise<void> {
    await this.keys.manager.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [ADMIN_SEED_LOCK_ID]);
      const repo = manager.getRepository(ApiKey);
      if ((await this.activeAdminCount(manager)) > 0) return;
      const configured = this.config.auth.adminApiKey;
      const secret = configured ?? generateApiKeySecret();
      const keyHash = hashApiKey(secret);
      if (configured && (await repo.existsBy({ keyHash }))) {
        this.logger.warn(
          'ADMIN_API_KEY was revoked or has expired and no other admin key is active; set a new ADMIN_API_KEY',
        );
        return;
      }
      await repo.insert({ name: 'admin (bootstrap)', scopes: ['admin'], keyHash });
      if (configured) {
        this.logger.log('Created the admin API key from ADMIN_API_KEY');
      } else {
        // Deliberately printed, not logged: it is the only time this secret is ever shown.
        process.stdout.write(
          `\nNo admin API key existed, so one was created. It is shown only this once:\n\n  ${secret}\n\n`,
        );
      }
    });
  }
}
