import { RequireScopes } from '@app/auth';
import { CacheService } from '@app/cache';
import { ApiErrors } from '@app/common';
import { Controller, Get, Header, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ETagged } from './etag';
import {
  HorseParamsDto,
  JockeyParamsDto,
  RaceDayQueryDto,
  RaceListQueryDto,
  RaceParamsDto,
  RaceViewQueryDto,
  TrainerParamsDto,
} from './read-params.dto';
import {
  iso,
  toCollectionRace,
  toCollectionStatus,
  toEntry,
  toRaceSummary,
  toRecentStart,
  toResult,
} from './read-mappers';
import {
  CollectionRacesDto,
  CollectionStatusDto,
  HorseProfileDto,
  JockeyProfileDto,
  RaceDetailDto,
  RacePageDto,
  TrainerProfileDto,
} from './read-responses.dto';
import { RaceReadService } from './race-read.service';

/** Users poll the race-day listing; a minute of staleness at most, less since writes invalidate the day's tag. */
export const COLLECTION_RACES_TTL_SECONDS = 60;

export function collectionRacesCacheKey(date: string, meet: number): string {
  // The version segment retires entries of an older response shape on deploy.
  return `read:collection-races:v1:${date}:${meet}`;
}

@ApiTags('collection')
@RequireScopes('read')
@ETagged()
@Controller('collection')
export class CollectionReadController {
  constructor(
    private readonly reads: RaceReadService,
    private readonly cache: CacheService,
  ) {}

  @Get('races')
  @ApiOperation({
    summary: 'The races of one day and meet with their collection status',
    description: `Cached for up to ${COLLECTION_RACES_TTL_SECONDS} s, and refreshed as soon as the collector writes to that day. Poll with If-None-Match.`,
  })
  @ApiOkResponse({ type: CollectionRacesDto })
  @ApiErrors(400)
  // The hot polled route: the cached JSON text is sent as stored, never parsed and serialised again.
  @Header('content-type', 'application/json; charset=utf-8')
  races(@Query() query: RaceDayQueryDto): Promise<string> {
    const { date, meet } = query;
    return this.cache.wrapText(
      collectionRacesCacheKey(date, meet),
      COLLECTION_RACES_TTL_SECONDS,
      [CacheService.dayTag(date, meet)],
      async () => {
        const body: CollectionRacesDto = {
          date,
          meet,
          races: (await this.reads.collectionRows(date, meet)).map(toCollectionRace),
        };
        return JSON.stringify(body);
      },
    );
  }

  @Get('status')
  @ApiOperation({
    summary:
      'Per race of one day and meet: entries, details, results and dividends collected or not, when, and how many rows',
  })
  @ApiOkResponse({ type: CollectionStatusDto })
  @ApiErrors(400)
  async status(@Query() query: RaceDayQueryDto): Promise<CollectionStatusDto> {
    return toCollectionStatus(query.date, query.meet, await this.reads.collectionRows(query.date, query.meet));
  }
}

@ApiTags('races')
@RequireScopes('read')
@ETagged()
@Controller('races')
export class RacesController {
  constructor(private readonly reads: RaceReadService) {}

  @Get()
  @ApiOperation({ summary: 'Races, newest first (race day descending, then meet, then race number), paginated' })
  @ApiOkResponse({ type: RacePageDto })
  @ApiErrors(400)
  async list(@Query() query: RaceListQueryDto): Promise<RacePageDto> {
    const filter = { from: query.from, to: query.to, meet: query.meet, status: query.status };
    const [total, rows] = await Promise.all([
      this.reads.countRaces(filter),
      this.reads.listRaces(filter, query.page, query.limit),
    ]);
    return { items: rows.map(toRaceSummary), page: query.page, limit: query.limit, total };
  }

  @Get(':date/:meet/:raceNo')
  @ApiOperation({
    summary: 'One race with its entries',
    description:
      '`view=prerace` is built from pre-race data only: entries, and career figures as snapshotted at entry time; no results, ' +
      'odds, sectionals, dividends or observed weather/going. `view=full` (default) adds them. Scratched entries are flagged in both.',
  })
  @ApiOkResponse({ type: RaceDetailDto })
  @ApiErrors(400, 404)
  async race(@Param() params: RaceParamsDto, @Query() query: RaceViewQueryDto): Promise<RaceDetailDto> {
    const race = await this.reads.race(params.date, params.meet, params.raceNo);
    if (!race) throw new NotFoundException(`No race ${params.raceNo} at meet ${params.meet} on ${params.date}`);
    const entryRows = await this.reads.entries(race.id);
    const summary = toRaceSummary(race);
    if (query.view === 'prerace')
      return { ...summary, view: 'prerace', entries: entryRows.map((row) => toEntry(row, true)) };

    const [observations, results, dividends] = await Promise.all([
      this.reads.raceObservations(race.id),
      this.reads.results(race.id),
      this.reads.dividends(race.id),
    ]);
    const resultByEntry = new Map(results.map((row) => [row.entryId, toResult(row)]));
    return {
      ...summary,
      view: 'full',
      ...observations,
      entries: entryRows.map((row) => ({ ...toEntry(row, false), result: resultByEntry.get(row.entryId) ?? null })),
      dividends,
    };
  }
}

@ApiTags('races')
@RequireScopes('read')
@ETagged()
@Controller()
export class ProfilesController {
  constructor(private readonly reads: RaceReadService) {}

  @Get('horses/:hrNo')
  @ApiOperation({ summary: 'A horse: profile and its last 20 entries' })
  @ApiOkResponse({ type: HorseProfileDto })
  @ApiErrors(400, 404)
  async horse(@Param() params: HorseParamsDto): Promise<HorseProfileDto> {
    const [horse, starts] = await Promise.all([
      this.reads.horse(params.hrNo),
      this.reads.recentStarts('horse', params.hrNo),
    ]);
    if (!horse) throw new NotFoundException(`No horse ${params.hrNo}`);
    const { sireNo, sireName, damNo, damName, owNo, ownerName, trNo, trainerName, detailsAt, ...rest } = horse;
    return {
      ...rest,
      sire: sireNo === null && sireName === null ? null : { no: sireNo, name: sireName },
      dam: damNo === null && damName === null ? null : { no: damNo, name: damName },
      owner: owNo === null ? null : { no: owNo, name: ownerName },
      trainer: trNo === null ? null : { no: trNo, name: trainerName },
      detailsAt: iso(detailsAt),
      recentStarts: starts.map(toRecentStart),
    };
  }

  @Get('jockeys/:jkNo')
  @ApiOperation({ summary: 'A jockey: profile and their last 20 rides' })
  @ApiOkResponse({ type: JockeyProfileDto })
  @ApiErrors(400, 404)
  async jockey(@Param() params: JockeyParamsDto): Promise<JockeyProfileDto> {
    const [jockey, starts] = await Promise.all([
      this.reads.jockey(params.jkNo),
      this.reads.recentStarts('jockey', params.jkNo),
    ]);
    if (!jockey) throw new NotFoundException(`No jockey ${params.jkNo}`);
    return { ...jockey, detailsAt: iso(jockey.detailsAt), recentStarts: starts.map(toRecentStart) };
  }

  @Get('trainers/:trNo')
  @ApiOperation({ summary: 'A trainer: profile and their last 20 runners' })
  @ApiOkResponse({ type: TrainerProfileDto })
  @ApiErrors(400, 404)
  async trainer(@Param() params: TrainerParamsDto): Promise<TrainerProfileDto> {
    const [trainer, starts] = await Promise.all([
      this.reads.trainer(params.trNo),
      this.reads.recentStarts('trainer', params.trNo),
    ]);
    if (!trainer) throw new NotFoundException(`No trainer ${params.trNo}`);
    return { ...trainer, detailsAt: iso(trainer.detailsAt), recentStarts: starts.map(toRecentStart) };
  }
}
