import { API_SCOPES, ApiScope } from '@app/config';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayNotEmpty,
  ArrayUnique,
  IsArray,
  IsDate,
  IsIn,
  isISO8601,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  MinDate,
} from 'class-validator';
import type { ApiKey } from './api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty({
    example: 'analytics team',
    description: 'A label to recognise the key by',
    minLength: 1,
    maxLength: 100,
  })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @Length(1, 100)
  name: string;

  @ApiProperty({ example: ['read'], enum: API_SCOPES, isArray: true, description: '`admin` implies every other scope' })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @IsIn(API_SCOPES, { each: true })
  scopes: ApiScope[];

  @ApiPropertyOptional({ example: '2027-06-30T00:00:00Z', description: 'When the key stops working; never if omitted' })
  @IsOptional()
  // Only a real calendar date becomes a Date ("2027-02-30" would roll over to March 2); anything else
  // stays as sent and fails IsDate.
  @Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && isISO8601(value, { strict: true, strictSeparator: true }) ? new Date(value) : value,
  )
  @IsDate({ message: 'expiresAt must be an ISO 8601 timestamp of a real calendar date, such as 2027-06-30T00:00:00Z' })
  @MinDate(() => new Date(), { message: 'expiresAt must be in the future' })
  expiresAt?: Date;
}

export class ApiKeyIdParamsDto {
  @ApiProperty({ example: '5b0c8d0e-7f55-4d57-a1a4-9a3b9b3f2f10', format: 'uuid' })
  @IsUUID('4', { message: 'id must be the id of an API key (a UUID)' })
  id: string;
}

export class ApiKeyDto {
  @ApiProperty({ example: '5b0c8d0e-7f55-4d57-a1a4-9a3b9b3f2f10' })
  id: string;

  @ApiProperty({ example: 'analytics team' })
  name: string;

  @ApiProperty({ example: ['read'], enum: API_SCOPES, isArray: true })
  scopes: ApiScope[];

  @ApiProperty({ example: '2026-11-29T12:00:00.000Z' })
  createdAt: Date;

  @ApiProperty({ example: null, nullable: true, type: Date, description: 'Recorded to the minute' })
  lastUsedAt: Date | null;

  @ApiProperty({ example: null, nullable: true, type: Date })
  expiresAt: Date | null;

  @ApiProperty({ example: null, nullable: true, type: Date })
  revokedAt: Date | null;

  static from(apiKey: ApiKey): ApiKeyDto {
    const { id, name, scopes, createdAt, lastUsedAt, expiresAt, revokedAt } = apiKey;
    return { id, name, scopes, createdAt, lastUsedAt, expiresAt, revokedAt };
  }
}

export class CreatedApiKeyDto extends ApiKeyDto {
  @ApiProperty({
    example: 'kra_3q2-7wEvGmO2H3nY0u5yD8f1hQd9mZr4Tt6pLk0sXcA',
    description: 'The secret. Shown only in this response.',
  })
  key: string;
}

export class WhoAmIDto {
  @ApiProperty({ example: '5b0c8d0e-7f55-4d57-a1a4-9a3b9b3f2f10' })
  id: string;

  @ApiProperty({ example: 'analytics team' })
  name: string;

  @ApiProperty({ example: ['read'], enum: API_SCOPES, isArray: true })
  scopes: ApiScope[];
}
