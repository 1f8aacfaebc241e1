import { PageQueryDto } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID } from 'class-validator';
import { JobSummaryDto } from '@app/common';
import { JOB_STATUSES, JobStatus } from './job.types';

export class JobIdParamsDto {
  @ApiProperty({ example: '0b0f3c4e-2d4b-4f57-9a1e-6f3c0b1f2a77', format: 'uuid' })
  @IsUUID('all', { message: 'id must be a UUID' })
  id: string;
}

export class JobListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: JOB_STATUSES, example: 'failed' })
  @IsOptional()
  @IsIn(JOB_STATUSES)
  status?: JobStatus;

  @ApiPropertyOptional({
    example: 'collect-day',
    description: 'Only jobs of this kind: `collect-day`, `collect-results`, `backfill`',
  })
  @IsOptional()
  @IsString()
  type?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    example: '0b0f3c4e-2d4b-4f57-9a1e-6f3c0b1f2a77',
    description: 'Only the children of this job (the race-day jobs of a backfill)',
  })
  @IsOptional()
  @IsUUID('all', { message: 'parentId must be a UUID' })
  parentId?: string;
}

export class JobPageDto {
  @ApiProperty({ type: [JobSummaryDto] })
  items: JobSummaryDto[];

  @ApiProperty({ example: 1 })
  page: number;

  @ApiProperty({ example: 50 })
  limit: number;

  @ApiProperty({ example: 3 })
  total: number;
}
