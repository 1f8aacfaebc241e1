import { ApiErrors, callerOf, JOB_QUEUE, type JobQueue, JobSubmissionDto, RequireScopes } from '@app/common';
import { Body, Controller, HttpCode, HttpStatus, Inject, Post, Req } from '@nestjs/common';
import { ApiAcceptedResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { BadRequestException } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { COMPUTE_FEATURES, ComputeFeaturesPayload } from './compute-features.job';

@ApiTags('analysis')
@RequireScopes('admin')
@Controller('analysis')
export class AnalysisJobsController {
  constructor(@Inject(JOB_QUEUE) private readonly jobs: JobQueue) {}

  @Post('compute')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Compute and store the features of a range of race days (a backfill)',
    description:
      'Queues a compute-features job; poll `GET /jobs/{id}`. Features are also computed on their own after each ' +
      'collection, and a race whose data changed is computed again when it is read.',
  })
  @ApiAcceptedResponse({ type: JobSubmissionDto })
  @ApiErrors(400, 503)
  async compute(@Body() body: ComputeFeaturesPayload, @Req() request: FastifyRequest): Promise<JobSubmissionDto> {
    if (body.to && body.to < body.from) throw new BadRequestException(['to must not be before from']);
    const { job } = await this.jobs.enqueue(
      COMPUTE_FEATURES,
      { from: body.from, to: body.to ?? null },
      { owner: callerOf(request).apiKeyId },
    );
    return { jobId: job.id, status: job.status };
  }
}
