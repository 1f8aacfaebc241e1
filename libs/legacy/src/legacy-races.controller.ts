import { RequireScopes } from '@app/common';
import { ETagged, RaceParamsDto } from '@app/collection';
import { ApiErrors } from '@app/common';
import { Controller, Get, Header, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { legacyFileText } from './legacy-files';
import { LegacyRaceBuilder } from './legacy-race.builder';
import { LegacyEnvelopeDto, LegacyKindQueryDto } from './legacy-races.dto';

@ApiTags('legacy')
@RequireScopes('read')
@ETagged()
@Controller('legacy/races')
export class LegacyRacesController {
  constructor(private readonly builder: LegacyRaceBuilder) {}

  @Get(':date/:meet/:raceNo')
  @ApiOperation({
    summary: 'A race as a legacy file holds it (race_<meet>_<YYYYMMDD>_<raceNo>_<kind>.json)',
    description:
      'The bytes `npm run cli -- export-legacy` writes for this race: an API214_1 envelope with one item per runner that was not ' +
      'scratched. Pre-race data only: no result, odds, sectionals or observed track and weather, even for a finished race.',
  })
  @ApiOkResponse({ type: LegacyEnvelopeDto, description: 'The legacy envelope (JSON indented by 2 spaces)' })
  @ApiErrors(400, 404)
  // The file's exact text, not a re-serialised object: a tool gets what it would read from the file.
  @Header('content-type', 'application/json; charset=utf-8')
  async race(@Param() params: RaceParamsDto, @Query() query: LegacyKindQueryDto): Promise<string> {
    const envelope = await this.builder.envelope(params.date, params.meet, params.raceNo, query.kind);
    if (!envelope) throw new NotFoundException(`No race ${params.raceNo} at meet ${params.meet} on ${params.date}`);
    return legacyFileText(envelope);
  }
}
