import { APP_CONFIG, AppConfig } from '@app/config';
import { Public } from '@app/common';
import { Controller, Get, Inject, Req, Res, UnauthorizedException } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqual } from 'node:crypto';

/** Prometheus scrape endpoint: open, or behind `Authorization: Bearer <METRICS_TOKEN>` when set. */
@ApiExcludeController()
@Public()
@SkipThrottle()
@Controller()
export class MetricsController extends PrometheusController {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    super();
  }

  @Get()
  override async index(
    @Res({ passthrough: true }) response: FastifyReply,
    @Req() request?: FastifyRequest,
  ): Promise<string> {
    const token = this.config.metrics.token;
    if (token && !bearerMatches(request?.headers.authorization, token)) {
      throw new UnauthorizedException('Metrics need Authorization: Bearer <METRICS_TOKEN>');
    }
    return super.index(response);
  }
}

function bearerMatches(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
