import { APP_CONFIG, AppConfig } from '@app/config';
import { IS_PUBLIC } from '@app/common';
import { ExecutionContext, Inject, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerException,
  ThrottlerGuard,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { InjectMetric } from '@willsoto/nestjs-prometheus';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Counter } from 'prom-client';
import { rateLimitBucket, requiredScopes } from './api-key.guard';

export const RATE_LIMIT_FAIL_OPEN_METRIC = 'rate_limit_fail_open_total';
/** The metadata key `@SkipThrottle()` sets for the default throttler. */
const SKIP_METADATA = 'THROTTLER:SKIPdefault';

/**
 * Limits each API key per scope bucket (read, collect, admin), and each client IP on public
 * routes, with counters in Redis. When Redis cannot answer, requests are let through (fail open):
 * one warning per outage, and every such request counted in `rate_limit_fail_open_total`.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  private readonly rateLimitLogger = new Logger('RateLimit');
  private storageDown = false;

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectMetric(RATE_LIMIT_FAIL_OPEN_METRIC) private readonly failOpen: Counter,
  ) {
    super(options, storage, reflector);
  }

  /**
   * Replaces the generic loop over named throttlers (a dozen metadata lookups and awaits per
   * request) with the one throttler this API has. `@SkipThrottle()` is honoured as usual.
   */
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(SKIP_METADATA, [context.getHandler(), context.getClass()]))
      return true;
    return this.limit(context, this.config.rateLimit.windowSeconds * 1000);
  }

  private async limit(context: ExecutionContext, ttl: number): Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const bucket =
      this.isPublic(context) || !request.apiKey ? 'public' : rateLimitBucket(requiredScopes(this.reflector, context));
    const tracker = bucket === 'public' ? `ip:${request.ip}` : `key:${request.apiKey?.id}`;
    const limit = this.config.rateLimit.limits[bucket];
    let record;
    try {
      record = await this.storageService.increment(`${bucket}:${tracker}`, ttl, limit, ttl, 'default');
      if (this.storageDown) this.rateLimitLogger.log('Rate limiting restored: Redis answers again');
      this.storageDown = false;
    } catch (error) {
      this.failOpen.inc();
      if (!this.storageDown)
        this.rateLimitLogger.warn(`Rate limiting is off while Redis is unavailable (failing open): ${String(error)}`);
      this.storageDown = true;
      return true;
    }
    void reply.header('X-RateLimit-Limit', limit);
    void reply.header('X-RateLimit-Remaining', Math.max(0, limit - record.totalHits));
    void reply.header('X-RateLimit-Reset', record.timeToExpire);
    if (record.isBlocked) {
      void reply.header('Retry-After', record.timeToBlockExpire);
      throw new ThrottlerException(
        `Rate limit of ${limit} requests per ${this.config.rateLimit.windowSeconds} s exceeded; retry in ${record.timeToBlockExpire} s`,
      );
    }
    return true;
  }

  private isPublic(context: ExecutionContext): boolean {
    return this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()]) === true;
  }
}
