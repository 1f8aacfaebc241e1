import { Module } from '@nestjs/common';
import { CollectionService } from './collection.service';
import { RaceDataRepository } from './race-data.repository';

/** The collection engine: the (global) KRA client in, the race data model out. */
@Module({
  providers: [RaceDataRepository, CollectionService],
  exports: [CollectionService, RaceDataRepository],
})
export class CollectionModule {}
