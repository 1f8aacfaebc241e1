import { ApiErrors, RequireScopes } from '@app/common';
import { ETagged, RaceParamsDto } from '@app/collection';
import { Controller, Get, Headers, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { featureCsvHeader, featureCsvLines } from '../features/csv';
import type { RaceFeatures } from '../features/definitions';
import { FeaturesService } from '../features.service';

/** Whether the client asked for CSV (an Accept naming text/csv). */
export function wantsCsv(accept: string | undefined): boolean {
  return /\btext\/csv\b/i.test(accept ?? '');
}

@ApiTags('analysis')
@RequireScopes('read')
@ETagged()
@Controller('analysis')
export class AnalysisController {
  constructor(private readonly features: FeaturesService) {}

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
  ): Promise<RaceFeatures | string> {
    const features = await this.features.raceFeatures(params.date, params.meet, params.raceNo);
    if (!wantsCsv(accept)) return features;
    void reply.header('content-type', 'text/csv; charset=utf-8');
    return featureCsvHeader() + featureCsvLines(features);
  }
}
