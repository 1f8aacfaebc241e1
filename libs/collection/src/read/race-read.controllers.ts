import { RequireScopes } from '@app/common';
import { ApiErrors } from '@app/common';
import { Controller, Get, Header, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ETagged } from './etag';
import { COLLECTION_RACES_TTL_SECONDS, RaceViews } from './race-views.service';
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
  CollectionRacesDto,
  CollectionStatusDto,
  HorseProfileDto,
  JockeyProfileDto,
  RaceDetailDto,
  RacePageDto,
  TrainerProfileDto,
} from './read-responses.dto';

@ApiTags('collection')
@RequireScopes('read')
@ETagged()
@Controller('collection')
export class CollectionReadController {
  constructor(private readonly views: RaceViews) {}

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
    return this.views.collectionRaces(query);
  }

  @Get('status')
  @ApiOperation({
    summary:
      'Per race of one day and meet: entries, details, results and dividends collected or not, when, and how many rows',
  })
  @ApiOkResponse({ type: CollectionStatusDto })
  @ApiErrors(400)
  status(@Query() query: RaceDayQueryDto): Promise<CollectionStatusDto> {
    return this.views.collectionStatus(query);
  }
}

@ApiTags('races')
@RequireScopes('read')
@ETagged()
@Controller('races')
export class RacesController {
  constructor(private readonly views: RaceViews) {}

  @Get()
  @ApiOperation({ summary: 'Races, newest first (race day descending, then meet, then race number), paginated' })
  @ApiOkResponse({ type: RacePageDto })
  @ApiErrors(400)
  list(@Query() query: RaceListQueryDto): Promise<RacePageDto> {
    return this.views.races(query);
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
  race(@Param() params: RaceParamsDto, @Query() query: RaceViewQueryDto): Promise<RaceDetailDto> {
    return this.views.race(params, query);
  }
}

@ApiTags('races')
@RequireScopes('read')
@ETagged()
@Controller()
export class ProfilesController {
  constructor(private readonly views: RaceViews) {}

  @Get('horses/:hrNo')
  @ApiOperation({ summary: 'A horse: profile and its last 20 entries' })
  @ApiOkResponse({ type: HorseProfileDto })
  @ApiErrors(400, 404)
  horse(@Param() params: HorseParamsDto): Promise<HorseProfileDto> {
    return this.views.horse(params);
  }

  @Get('jockeys/:jkNo')
  @ApiOperation({ summary: 'A jockey: profile and their last 20 rides' })
  @ApiOkResponse({ type: JockeyProfileDto })
  @ApiErrors(400, 404)
  jockey(@Param() params: JockeyParamsDto): Promise<JockeyProfileDto> {
    return this.views.jockey(params);
  }

  @Get('trainers/:trNo')
  @ApiOperation({ summary: 'A trainer: profile and their last 20 runners' })
  @ApiOkResponse({ type: TrainerProfileDto })
  @ApiErrors(400, 404)
  trainer(@Param() params: TrainerParamsDto): Promise<TrainerProfileDto> {
    return this.views.trainer(params);
  }
}
