import { ApiErrors, callerOf, JOB_QUEUE, type JobQueue, JobSubmissionDto, RequireScopes } from '@app/common';
import { Body, Controller, HttpCode, HttpStatus, Inject, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { normaliseBackfillParams } from './backfill';
import { CollectJobType, normaliseCollectParams } from './collect-params';
import { BackfillRequestDto, CollectRequestDto } from './collection-jobs.dto';

const SUBMIT_DESCRIPTION =
  'Queues a collection job and answers at once with its id; poll `GET /jobs/{id}` for progress and the report. ' +
  'The same request from the same key while an earlier one is queued or running returns that job instead of a new one.';

@ApiTags('collection')
@RequireScopes('collect')
@Controller('collection')
export class CollectionJobsController {
  constructor(@Inject(JOB_QUEUE) private readonly jobs: JobQueue) {}

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
    const { job } = await this.jobs.enqueue(type, normaliseCollectParams(type, body), {
      owner: callerOf(request).apiKeyId,
    });
    return { jobId: job.id, status: job.status };
  }
}

/** Its own controller: a backfill needs `admin`, where the other collection routes need `collect`. */
@ApiTags('collection')
@RequireScopes('admin')
@Controller('collection')
export class BackfillController {
  constructor(@Inject(JOB_QUEUE) private readonly jobs: JobQueue) {}

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
    const { job } = await this.jobs.enqueue('backfill', normaliseBackfillParams(body), {
      owner: callerOf(request).apiKeyId,
    });
    return { jobId: job.id, status: job.status };
  }
}
