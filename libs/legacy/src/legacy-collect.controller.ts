import { MAX_DAYS_AHEAD, MEET_DESCRIPTION, normaliseCollectParams, NotFarAhead, RaceDate } from '@app/collection';
import { ApiErrors, callerOf, JOB_QUEUE, JobDto, type JobQueue, RequireScopes } from '@app/common';
import { Body, Controller, HttpCode, HttpStatus, Inject, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { FastifyRequest } from 'fastify';

/** `POST /legacy/collect`: the old plan's wrapper of the old scripts' command, `DATE [MEET]`. */
export class LegacyCollectRequestDto {
  @ApiProperty({
    example: '20250523',
    description: `Race day, \`YYYYMMDD\` (as the old scripts took it) or \`YYYY-MM-DD\`, at most ${MAX_DAYS_AHEAD} days after today`,
  })
  @RaceDate()
  @NotFarAhead(MAX_DAYS_AHEAD)
  date: string;

  @ApiPropertyOptional({
    example: 1,
    minimum: 1,
    maximum: 4,
    default: 1,
    description: `${MEET_DESCRIPTION}; 1 when omitted, as the old scripts did`,
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(4)
  meet?: number;
}

/**
 * The old plan's wrapper route around the old scripts' `collect_and_preprocess.js DATE MEET`: callers
 * of that route move here without a shell behind it. It queues the same job as POST /collection/races.
 */
@ApiTags('legacy')
@RequireScopes('collect')
@Controller('legacy')
export class LegacyCollectController {
  constructor(@Inject(JOB_QUEUE) private readonly jobs: JobQueue) {}

  @Post('collect')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      'Collect a race day, as the old scripts did for DATE MEET: queues the collect-day job of POST /collection/races',
    description:
      'Queues a collect-day job for the day and meet (1 when omitted): cards, entries and runner details, and the results too for a day that is ' +
      'over. Answers 202 with the job; poll `GET /jobs/{id}`, then read the race files with `GET /legacy/races/{date}/{meet}/{raceNo}`. ' +
      'The same request while the job is queued or running returns that job.',
  })
  @ApiBody({ type: LegacyCollectRequestDto, examples: { oldScript: { value: { date: '20250523', meet: 3 } } } })
  @ApiAcceptedResponse({ type: JobDto })
  @ApiErrors(400, 503)
  async collect(@Body() body: LegacyCollectRequestDto, @Req() request: FastifyRequest): Promise<JobDto> {
    const params = normaliseCollectParams('collect-day', { date: body.date, meet: body.meet ?? 1 });
    const { job } = await this.jobs.enqueue('collect-day', params, { owner: callerOf(request).apiKeyId });
    return job;
  }
}
