import { ApiErrors, callerOf, JobDto, JobSubmissionDto, RequireScopes } from '@app/common';
import { Controller, Get, HttpCode, HttpStatus, Param, Post, Query, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { toJob, toJobSummary } from './job-mappers';
import { JobIdParamsDto, JobListQueryDto, JobPageDto } from './jobs.dto';
import { JobsService } from './jobs.service';

/** One jobs API for every kind: the routes that start work belong to the features that own it. */
@ApiTags('jobs')
@RequireScopes('collect')
@Controller('jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @ApiOperation({ summary: 'Jobs of every kind, newest first: your own, or everyone’s with an admin key' })
  @ApiOkResponse({ type: JobPageDto })
  @ApiErrors(400)
  async list(@Query() query: JobListQueryDto, @Req() request: FastifyRequest): Promise<JobPageDto> {
    const { items, total } = await this.jobs.list(
      { status: query.status, type: query.type, parentId: query.parentId },
      query.page,
      query.limit,
      callerOf(request),
    );
    return { items: items.map(toJobSummary), page: query.page, limit: query.limit, total };
  }

  @Get(':id')
  @ApiOperation({
    summary: 'One job: status, progress and current step, events, its result (a collection report), the error',
  })
  @ApiOkResponse({ type: JobDto })
  @ApiErrors(400, 404)
  async get(@Param() params: JobIdParamsDto, @Req() request: FastifyRequest): Promise<JobDto> {
    return toJob(await this.jobs.get(params.id, callerOf(request)));
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
    return toJob(await this.jobs.cancel(params.id, callerOf(request)));
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
    const { job } = await this.jobs.retry(params.id, callerOf(request));
    return { jobId: job.id, status: job.status };
  }
}
