import { CacheModule } from '@app/cache';
import { Module, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { registerETagHook } from './etag';
import { CollectionReadController, ProfilesController, RacesController } from './race-read.controllers';
import { RaceReadService } from './race-read.service';
import { RaceViews } from './race-views.service';

/** The read API over the race data: race days and their collection status, races, horses, jockeys, trainers. */
@Module({
  imports: [CacheModule],
  controllers: [CollectionReadController, RacesController, ProfilesController],
  providers: [RaceReadService, RaceViews],
  exports: [RaceReadService],
})
export class RaceReadModule implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    // Runs before Fastify is ready, so the hook still reaches every route.
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (fastify) registerETagHook(fastify);
  }
}
