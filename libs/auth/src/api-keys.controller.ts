import { ApiErrors } from '@app/common';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiKeysService } from './api-keys.service';
import { ApiKeyDto, ApiKeyIdParamsDto, CreateApiKeyDto, CreatedApiKeyDto, WhoAmIDto } from './api-keys.dto';
import { RequireScopes } from './auth.decorators';

@ApiTags('admin')
@RequireScopes('admin')
@Controller('admin/api-keys')
export class ApiKeysController {
  constructor(private readonly apiKeys: ApiKeysService) {}

  @Post()
  @ApiOperation({
    summary: 'Create an API key',
    description: 'The response holds the secret; it is never shown again.',
  })
  @ApiCreatedResponse({ type: CreatedApiKeyDto })
  @ApiErrors(400, 413)
  async create(@Body() body: CreateApiKeyDto): Promise<CreatedApiKeyDto> {
    const { apiKey, secret } = await this.apiKeys.create(body.name, body.scopes, body.expiresAt ?? null);
    return { ...ApiKeyDto.from(apiKey), key: secret };
  }

  @Get()
  @ApiOperation({ summary: 'List API keys, newest first (no secrets)' })
  @ApiOkResponse({ type: [ApiKeyDto] })
  async list(): Promise<ApiKeyDto[]> {
    return (await this.apiKeys.list()).map((apiKey) => ApiKeyDto.from(apiKey));
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({
    summary: 'Revoke an API key',
    description: 'Takes effect on every replica within API_KEY_CACHE_TTL_MS.',
  })
  @ApiNoContentResponse({ description: 'Revoked (or already revoked)' })
  @ApiErrors(400, 404, 409)
  async revoke(@Param() { id }: ApiKeyIdParamsDto): Promise<void> {
    await this.apiKeys.revoke(id);
  }
}

@ApiTags('auth')
@Controller('whoami')
export class WhoAmIController {
  @Get()
  @RequireScopes()
  @ApiOperation({
    summary: 'The API key making this request',
    description: 'Any valid key may call it: a cheap way to check a key.',
  })
  @ApiOkResponse({ type: WhoAmIDto })
  whoami(@Req() request: FastifyRequest): WhoAmIDto {
    const { id, name, scopes } = request.apiKey!;
    return { id, name, scopes };
  }
}
