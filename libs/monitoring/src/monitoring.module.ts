import { RedisModule } from '@app/redis';
import { Global, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { makeHistogramProvider, PrometheusModule } from '@willsoto/nestjs-prometheus';
import { collectDefaultMetrics, register } from 'prom-client';
import { HealthController } from './health.controller';
import { HTTP_DURATION_METRIC, HttpMetrics } from './http-metrics';
import { MetricsController } from './metrics.controller';
import { ReadinessChecks } from './readiness-checks';

// Default process metrics once per process (tests may boot several apps in one process).
if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();

/**
 * Health probes, the Prometheus endpoint and HTTP request metrics, for the API and the worker.
 * Global, as cross-cutting as the settings: every module may add its readiness checks here.
 */
@Global()
@Module({
  imports: [
    RedisModule,
    TerminusModule.forRoot({ errorLogStyle: 'json' }),
    PrometheusModule.register({ controller: MetricsController, path: '/metrics', defaultMetrics: { enabled: false } }),
  ],
  controllers: [HealthController],
  providers: [
    HttpMetrics,
    ReadinessChecks,
    makeHistogramProvider({
      name: HTTP_DURATION_METRIC,
      help: 'HTTP request duration in seconds, by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    }),
  ],
  exports: [HttpMetrics, ReadinessChecks, PrometheusModule],
})
export class MonitoringModule {}
