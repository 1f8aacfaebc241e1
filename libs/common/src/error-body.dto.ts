import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

export class FieldProblemDto {
  @ApiProperty({ example: 'scopes[0]' })
  field: string;

  @ApiProperty({ example: 'each value in scopes must be one of the following values: read, collect, admin' })
  reason: string;
}

/** Swagger's view of {@link ErrorBody}. */
export class ErrorBodyDto {
  @ApiProperty({ example: 400 })
  statusCode: number;

  @ApiProperty({ example: 'Bad Request' })
  error: string;

  @ApiProperty({ example: 'Validation failed' })
  message: string;

  @ApiProperty({ example: '3f1c2a7e-5d7b-4d8e-9a51-0c8f2b6e4d21' })
  requestId: string;

  @ApiPropertyOptional({ type: [FieldProblemDto], description: 'Per-field problems, for validation errors' })
  details?: FieldProblemDto[];
}

const DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input: `details` lists each field and the reason',
  401: 'Missing, unknown, revoked or expired API key',
  403: 'The API key lacks the scope this route needs',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'Body larger than the limit',
  429: 'Rate limit exceeded; see `Retry-After`',
  503: 'A dependency is unavailable',
};

/** Documents error responses, all in the one error shape. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status] ?? STATUS_CODES[status], type: ErrorBodyDto }),
    ),
  );
}
