import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/**
 * Query and path values arrive as strings. Only plain digit strings become numbers; anything else
 * ('1.5', '1e0', ' 1', '0x1') stays a string for `@IsInt` to reject.
 */
export function DigitsToInt(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : value,
  );
}

/** `page` and `limit` of every paginated list (at most 200 rows a page). */
export class PageQueryDto {
  @ApiPropertyOptional({ example: 1, minimum: 1, default: 1 })
  @IsOptional()
  @DigitsToInt()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @ApiPropertyOptional({ example: 50, minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @DigitsToInt()
  @IsInt()
  @Min(1)
  @Max(200)
  limit: number = 50;
}
