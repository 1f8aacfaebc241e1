import { AuthenticatedKey, RequireScopes } from '@app/auth';
import { ApiErrors } from '@app/common';
import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { toJob, toJobSummary } from './job-mappers';
import { CollectJobType, JobRequester } from './job.types';
import {
  BackfillRequestDto,
  CollectRequestDto,
  JobDto,
  JobIdParamsDto,
  JobListQueryDto,
  JobPageDto,
  JobSubmissionDto,
  LegacyCollectRequestDto,
} from './jobs.dto';
import { JobsService } from './jobs.service';

function requesterOf(request: FastifyRequest): JobRequester {
  const key = request.apiKey as AuthenticatedKey;
  return { apiKeyId: key.id, admin: key.scopes.includes('admin') };
}

const SUBMIT_DESCRIPTION =
  'Queues a collection job and answers at once with its id; poll `GET /jobs/{id}` for progress and the report. ' +
  'The same request from the same key while an earlier one is queued or running returns that job instead of a new one.';

@ApiTags('collection')
@RequireScopes('collect')
@Controller('collection')
export class CollectionJobsController {
  constructor(private readonly jobs: JobsService) {}

  @Post('races')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Collect a race day: cards, entries and runner details, and the results too for a day that is over',
    description: `${SUBMIT_DESCRIPTION} Without \`include\`, a day before today (Asia/Seoul) is collected with its results, dividends and scratches; today or a day to come with cards and details.`,
  })
  @ApiBody({
    type: CollectRequestDto,
    examples: {
      day: { value: { date: '2025-05-23', meet: 3 } },
      races: { value: { date: '20250523', meet: 3, raceNos: [1, 2], include: [] } },
    },
  })
  @ApiAcceptedResponse({ type: JobSubmissionDto })
  @ApiErrors(400, 503)
  races(@Body() body: CollectRequestDto, @Req() request: FastifyRequest): Promise<JobSubmissionDto> {
    return this.submit('collect-day', body, request);
  }

  @Post('results')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Collect the results of a race day: results, dividends, scratches (cards refreshed first)',
    description: SUBMIT_DESCRIPTION,
  })
  @ApiBody({
    type: CollectRequestDto,
    examples: {
      day: { value: { date: '2025-05-23', meet: 3 } },
      withDetails: { value: { date: '2025-05-23', meet: 3, include: ['details', 'results'] } },
    },
  })
  @ApiAcceptedResponse({ type: JobSubmissionDto })
  @ApiErrors(400, 503)
  results(@Body() body: CollectRequestDto, @Req() request: FastifyRequest): Promise<JobSubmissionDto> {
    return this.submit('collect-results', body, request);
  }

  private async submit(
    type: CollectJobType,
    body: CollectRequestDto,
    request: FastifyRequest,
  ): Promise<JobSubmissionDto> {
    const { job } = await this.jobs.submit(type, body, requesterOf(request).apiKeyId);
    return { jobId: job.id, status: job.status };
  }
}

/**
 * The old plan's wrapper route around the old scripts' `collect_and_preprocess.js DATE MEET`: callers
 * of that route move here without a shell behind it. It queues the same job as POST /collection/races.
 */
@ApiTags('legacy')
@RequireScopes('collect')
@Controller('legacy')
export class LegacyCollectController {
  constructor(private readonly jobs: JobsService) {}

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
    const { job } = await this.jobs.submit(
      'collect-day',
      { date: body.date, meet: body.meet ?? 1 },
      requesterOf(request).apiKeyId,
    );
    return toJob(job);
  }
}

/** Its own controller: a backfill needs `admin`, where the other collection routes need `collect`. */
@ApiTags('collection')
@RequireScopes('admin')
@Controller('collection')
export class BackfillController {
  constructor(private readonly jobs: JobsService) {}

  @Post('backfill')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary:
      'Collect every race day of a date range: one collect-day job per race day and meet, under one backfill job',
    description:
      'Creates a `backfill` job and, for each race day of `meets` from `from` to `to` (Seoul Sat and Sun, Jeju Fri and Sat, Busan-Gyeongnam ' +
      'Fri and Sun), a collect-day job with runner details (`parentId` set; list them with `GET /jobs?parentId=`). The backfill is `running` ' +
      'from the start: its progress and step count the race days done, `children` counts them by status, and it ends when its last race day ' +
      'does, with a summary in `result`. Cancelling it cancels its queued days and stops its running ones. The same backfill from the same ' +
      'key while it is running returns that backfill.',
  })
  @ApiBody({
    type: BackfillRequestDto,
    examples: {
      month: { value: { from: '2025-05-01', to: '2025-05-31' } },
      seoulAndBusan: { value: { from: '20250519', to: '20250525', meets: [1, 3] } },
    },
  })
  @ApiAcceptedResponse({ type: JobSubmissionDto })
  @ApiErrors(400, 503)
  async backfill(@Body() body: BackfillRequestDto, @Req() request: FastifyRequest): Promise<JobSubmissionDto> {
    const { job } = await this.jobs.submitBackfill(body, requesterOf(request).apiKeyId);
    return { jobId: job.id, status: job.status };
  }
}

@ApiTags('jobs')
@RequireScopes('collect')
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @ApiOperation({ summary: 'Collection jobs, newest first: your own, or everyone’s with an admin key' })
  @ApiOkResponse({ type: JobPageDto })
  @ApiErrors(400)
  async list(@Query() query: JobListQueryDto, @Req() request: FastifyRequest): Promise<JobPageDto> {
    const { items, total } = await this.jobs.list(
      { status: query.status, type: query.type, parentId: query.parentId },
      query.page,
      query.limit,
      requesterOf(request),
    );
    return { items: items.map(toJobSummary), page: query.page, limit: query.limit, total };
  }

  @Get(':id')
  @ApiOperation({ summary: 'One job: status, progress and current step, events, the collection report, the error' })
  @ApiOkResponse({ type: JobDto })
  @ApiErrors(400, 404)
  async get(@Param() params: JobIdParamsDto, @Req() request: FastifyRequest): Promise<JobDto> {
    return toJob(await this.jobs.get(params.id, requesterOf(request)));
  }

  @Post(':id/cancel')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Cancel a job',
    description:
      'A queued job is cancelled at once. A running job stops at its next step; until then it stays `running` with `cancelRequestedAt` set. ' +
      'A backfill: its queued race days are cancelled at once and its running ones stop at their next step; it ends `cancelled` with the last of them.',
  })
  @ApiOkResponse({ type: JobDto })
  @ApiErrors(400, 404, 409)
  async cancel(@Param() params: JobIdParamsDto, @Req() request: FastifyRequest): Promise<JobDto> {
    return toJob(await this.jobs.cancel(params.id, requesterOf(request)));
  }

  @Post(':id/retry')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Run a failed or cancelled job again',
    description:
      'Queues a new job with the same parameters and `retryOf` set to this one; the old record stays as it ended. ' +
      'A backfill can also be retried when it partially succeeded: the new backfill collects every race day of the range again.',
  })
  @ApiAcceptedResponse({ type: JobSubmissionDto })
  @ApiErrors(400, 404, 409, 503)
  async retry(@Param() params: JobIdParamsDto, @Req() request: FastifyRequest): Promise<JobSubmissionDto> {
    const { job } = await this.jobs.retry(params.id, requesterOf(request));
    return { jobId: job.id, status: job.status };
  }
}
