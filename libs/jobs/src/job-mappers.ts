import { JobDto, JobSummaryDto } from '@app/common';
import { JobRecord } from './job.types';

const iso = (date: Date | null): string | null => (date ? date.toISOString() : null);

export function toJobSummary(job: JobRecord): JobSummaryDto {
  return {
    id: job.id,
    type: job.type,
    params: job.params as Record<string, unknown>,
    status: job.status,
    progress: job.progress,
    step: job.step,
    attempts: job.attempts,
    errorCode: job.errorCode,
    errorMessage: job.errorMessage,
    retryOf: job.retryOf,
    parentId: job.parentId,
    children: job.children,
    cancelRequestedAt: iso(job.cancelRequestedAt),
    createdAt: job.createdAt.toISOString(),
    startedAt: iso(job.startedAt),
    finishedAt: iso(job.finishedAt),
  };
}

export function toJob(job: JobRecord): JobDto {
  return { ...toJobSummary(job), events: job.events, result: job.result as Record<string, unknown> | null };
}
