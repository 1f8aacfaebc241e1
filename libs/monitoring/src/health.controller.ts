import { APP_CONFIG, AppConfig } from '@app/config';
import { Public } from '@app/common';
import { REDIS, Redis } from '@app/redis';
import { Controller, Get, Inject, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import {
  HealthCheck,
  HealthCheckResult,
  HealthCheckService,
  HealthIndicatorService,
  TypeOrmHealthIndicator,
} from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { ReadinessChecks } from './readiness-checks';

/** Kubernetes probes: liveness checks only the process; readiness checks each dependency. */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly extraChecks: ReadinessChecks,
  ) {}

  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  async ready(): Promise<HealthCheckResult> {
    const timeout = this.config.health.timeoutMs;
    try {
      return await this.health.check([
        () => this.database.pingCheck('database', { timeout }),
        () =>
          this.indicators
            .check('redis')
            .attempt(async () => {
              await this.redis.ping();
            })
            .withTimeout(timeout),
        ...this.extraChecks.entries().map(
          ([name, check]) =>
            () =>
              this.indicators.check(name).attempt(check).withTimeout(timeout),
        ),
        ...this.extraChecks.described().map(
          ([name, details]) =>
            () =>
              this.indicators.check(name).up(details),
        ),
      ]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      const failed = Object.keys(result.error ?? {});
      throw new ServiceUnavailableException({
        message: `Not ready: ${failed.join(', ')} unavailable`,
        details: result,
      });
    }
  }
}
