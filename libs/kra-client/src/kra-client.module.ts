import { APP_CONFIG, AppConfig } from '@app/config';
import { ReadinessChecks } from '@app/monitoring';
import { REDIS, Redis, RedisModule } from '@app/redis';
import { DynamicModule, Module } from '@nestjs/common';
import { getToken, makeCounterProvider, makeGaugeProvider, makeHistogramProvider } from '@willsoto/nestjs-prometheus';
import type { Counter, Gauge, Histogram } from 'prom-client';
import { KraClient } from './kra-client';

/** Where the client sends its calls: the real gateway with a key, or a sandbox. */
export interface KraUpstream {
  mode: 'live' | 'sandbox';
  baseUrl: string;
  serviceKey: string;
}

const KRA_READINESS = Symbol('KRA_READINESS');

/** Injection token of the {@link KraUpstream} the app resolved at start-up. */
export const KRA_UPSTREAM = Symbol('KRA_UPSTREAM');

const METRICS = {
  requests: 'kra_requests_total',
  duration: 'kra_request_duration_seconds',
  quotaRemaining: 'kra_quota_remaining',
} as const;

@Module({})
export class KraClientModule {
  /** `upstream` provides {@link KRA_UPSTREAM}; the apps decide between the gateway and the sandbox. */
  static forRoot(upstream: DynamicModule): DynamicModule {
    return {
      module: KraClientModule,
      // Global: the app picks its upstream here once, and whoever collects (the engine, the CLI) shares this one
      // client, so its limiter, quota and in-flight sharing hold for the whole process.
      global: true,
      imports: [upstream, RedisModule],
      providers: [
        makeCounterProvider({
          name: METRICS.requests,
          help: 'KRA upstream requests by service and outcome',
          labelNames: ['service', 'outcome'],
        }),
        makeHistogramProvider({
          name: METRICS.duration,
          help: 'KRA upstream request duration in seconds',
          labelNames: ['service'],
          buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        }),
        makeGaugeProvider({
          name: METRICS.quotaRemaining,
          help: 'KRA calls left today (KST) per service',
          labelNames: ['service'],
        }),
        {
          provide: KraClient,
          inject: [
            APP_CONFIG,
            KRA_UPSTREAM,
            REDIS,
            getToken(METRICS.requests),
            getToken(METRICS.duration),
            getToken(METRICS.quotaRemaining),
          ],
          useFactory: (
            config: AppConfig,
            target: KraUpstream,
            redis: Redis,
            requests: Counter<'service' | 'outcome'>,
            duration: Histogram<'service'>,
            quotaRemaining: Gauge<'service'>,
          ) =>
            new KraClient({ ...config.kra, baseUrl: target.baseUrl, serviceKey: target.serviceKey }, redis, {
              requests,
              duration,
              quotaRemaining,
            }),
        },
        {
          // Not a probe of the gateway (its outages must not take pods out of service): which data source is in use.
          provide: KRA_READINESS,
          inject: [KRA_UPSTREAM, { token: ReadinessChecks, optional: true }],
          useFactory: (target: KraUpstream, readiness?: ReadinessChecks) =>
            readiness?.describe('kra', { mode: target.mode }),
        },
      ],
      exports: [KraClient],
    };
  }
}
