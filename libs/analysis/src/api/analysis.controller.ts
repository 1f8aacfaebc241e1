import { ApiErrors, RequireScopes } from '@app/common';
import { ETagged, HorseParamsDto, JockeyParamsDto, RaceParamsDto, TrainerParamsDto } from '@app/collection';
import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { featureCsvHeader, featureCsvLines } from '../features/csv';
import type { RaceFeatures } from '../features/definitions';
import { FeaturesService } from '../features.service';
import { AnalysisViews } from '../analysis-views.service';
import { DrawQueryDto, FeaturesExportQueryDto, FormQueryDto, SpeedParsQueryDto, StatsQueryDto } from './analysis.dto';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/** Whether the client asked for CSV (an Accept naming text/csv). */
export function wantsCsv(accept: string | undefined): boolean {
  return /\btext\/csv\b/i.test(accept ?? '');
}

@ApiTags('analysis')
@RequireScopes('read')
@ETagged()
@Controller('analysis')
export class AnalysisController {
  constructor(
    private readonly features: FeaturesService,
    private readonly views: AnalysisViews,
  ) {}

  @Get('races/:date/:meet/:raceNo')
  @ApiOperation({
    summary: "Every runner of a race with its features, as of the start of the race's day",
    description:
      'Form (the last six starts), records, aptitudes, class and weight, connections, speed figures, pace and draw, ' +
      'computed from the race days before this one only (README "Analysis"), and the race card as it stood before the start. ' +
      '`Accept: text/csv` gives one row per runner with flat column names.',
  })
  @ApiProduces('application/json', 'text/csv')
  @ApiOkResponse({
    description: 'The race with `asOf`, `version` and its runners’ features',
    schema: {
      type: 'object',
      properties: {
        date: { type: 'string', example: '2025-05-24' },
        meet: { type: 'integer', example: 1 },
        raceNo: { type: 'integer', example: 3 },
        asOf: { type: 'string', format: 'date-time', example: '2025-05-23T15:00:00.000Z' },
        version: { type: 'integer', example: 1 },
        distanceM: { type: 'integer', nullable: true },
        raceClass: { type: 'string', nullable: true },
        likelyFrontRunners: { type: 'integer' },
        runners: { type: 'array', items: { type: 'object', additionalProperties: true } },
      },
    },
  })
  @ApiErrors(400, 404)
  async race(
    @Param() params: RaceParamsDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<string> {
    const text = await this.features.raceFeaturesText(params.date, params.meet, params.raceNo);
    if (!wantsCsv(accept)) {
      // The cached JSON text is sent as stored, never parsed and serialised again.
      void reply.header('content-type', 'application/json; charset=utf-8');
      return text;
    }
    void reply.header('content-type', 'text/csv; charset=utf-8');
    return featureCsvHeader() + featureCsvLines(JSON.parse(text) as RaceFeatures);
  }

  @Get('horses/:hrNo/form')
  @ApiOperation({
    summary: "A horse's past-performance lines as of a race day, newest first",
    description:
      'Each start before `asOf`: the race, the going band, the field, the position, the margin to the winner, the speed figure (pars as of `asOf`), early position and closing sectional.',
  })
  @ApiOkResponse({ description: '`{hrNo, asOf, version, lines}`' })
  @ApiErrors(400, 404)
  form(@Param() params: HorseParamsDto, @Query() query: FormQueryDto): Promise<unknown> {
    return this.views.form(params.hrNo, query.asOf, query.limit);
  }

  @Get('horses/:hrNo/stats')
  @ApiOperation({ summary: "A horse's record grouped by distance, going, meet, class, jockey or trainer" })
  @ApiOkResponse({ description: 'Rows `{key, runs, wins, seconds, thirds, winRate, top3Rate, ae, roi}`' })
  @ApiErrors(400, 404)
  horseStats(@Param() params: HorseParamsDto, @Query() query: StatsQueryDto): Promise<unknown> {
    return this.views.personStats('horse', params.hrNo, query.by, query.from, query.to);
  }

  @Get('jockeys/:jkNo/stats')
  @ApiOperation({ summary: "A jockey's record grouped by distance, going, meet, class, trainer or horse" })
  @ApiOkResponse({ description: 'Rows `{key, runs, wins, seconds, thirds, winRate, top3Rate, ae, roi}`' })
  @ApiErrors(400, 404)
  jockeyStats(@Param() params: JockeyParamsDto, @Query() query: StatsQueryDto): Promise<unknown> {
    return this.views.personStats('jockey', params.jkNo, query.by, query.from, query.to);
  }

  @Get('trainers/:trNo/stats')
  @ApiOperation({ summary: "A trainer's record grouped by distance, going, meet, class, jockey or horse" })
  @ApiOkResponse({ description: 'Rows `{key, runs, wins, seconds, thirds, winRate, top3Rate, ae, roi}`' })
  @ApiErrors(400, 404)
  trainerStats(@Param() params: TrainerParamsDto, @Query() query: StatsQueryDto): Promise<unknown> {
    return this.views.personStats('trainer', params.trNo, query.by, query.from, query.to);
  }

  @Get('draw')
  @ApiOperation({
    summary: 'Win and top-3 rate by gate at a meet and distance range, against what the field sizes alone would give',
  })
  @ApiOkResponse({
    description: '`{gates: [{gate, runs, wins, top3, winRate, top3Rate, expectedWins, expectedTop3, winAe, top3Ae}]}`',
  })
  @ApiErrors(400)
  draw(@Query() query: DrawQueryDto): Promise<unknown> {
    return this.views.draw(query);
  }

  @Get('speed-pars')
  @ApiOperation({
    summary:
      "The speed-figure pars in force on a race day: median winning times by distance and going band, and each class level's usual points above par",
  })
  @ApiOkResponse({
    description: '`{meet, asOf, pars: [{distanceM, going, timeS, winners}], classes: [{classLevel, points, winners}]}`',
  })
  @ApiErrors(400)
  speedPars(@Query() query: SpeedParsQueryDto): Promise<unknown> {
    return this.views.speedPars(query.meet, query.asOf);
  }
}

/** The export streams: no ETag (the body is never held whole). */
@ApiTags('analysis')
@RequireScopes('read')
@Controller('analysis')
export class AnalysisExportController {
  constructor(private readonly views: AnalysisViews) {}

  @Get('features')
  @ApiOperation({
    summary: "Every runner's features of a range of race days, streamed",
    description:
      "`Accept: text/csv`: one row per runner, the columns of the race route's CSV; otherwise NDJSON, one race per line. " +
      'Days whose stored features are stale are computed first; then the stored rows are streamed from the database as they are.',
  })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOkResponse({ description: 'NDJSON (a race per line) or CSV (a runner per row)' })
  @ApiErrors(400)
  async features(
    @Query() query: FeaturesExportQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const csv = wantsCsv(accept);
    // NDJSON sends the stored JSON bytes as they are; CSV flattens each line.
    const ndjson = await this.views.exportRaces(query.from, query.to, query.meet);
    void reply
      .header('content-type', csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .send(csv ? Readable.from(csvLines(ndjson)) : ndjson);
  }
}

/** The CSV of an NDJSON stream of races: the header, then a row per runner. */
async function* csvLines(ndjson: Readable): AsyncGenerator<string> {
  yield featureCsvHeader();
  // A race per line; a line may span chunks, a character too (the decoder keeps its bytes).
  const decoder = new StringDecoder('utf8');
  let rest = '';
  // Leaving early (a client gone) destroys the database stream, which lets its connection go.
  for await (const chunk of ndjson as AsyncIterable<Buffer>) {
    const lines = (rest + decoder.write(chunk)).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line) yield featureCsvLines(JSON.parse(line) as RaceFeatures);
  }
  rest += decoder.end();
  if (rest) yield featureCsvLines(JSON.parse(rest) as RaceFeatures);
}
