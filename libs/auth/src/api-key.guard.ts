import { API_SCOPES, ApiScope } from '@app/config';
import { IS_PUBLIC } from '@app/common';
import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { API_KEY_HEADER, REQUIRED_SCOPES } from './auth.decorators';
import { ApiKeysService } from './api-keys.service';
import { hasScope } from './authenticated-key';

/** Query parameters that would carry a key; keys there end up in proxy and access logs. */
const QUERY_KEY_NAMES = new Set(['apikey', 'api_key', 'api-key', 'x-api-key', 'key', 'token']);

/** The global guard: every route needs a valid `X-API-Key` unless it is marked `@Public()`. */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly apiKeys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const query = request.query && typeof request.query === 'object' ? Object.keys(request.query) : [];
    if (query.some((name) => QUERY_KEY_NAMES.has(name.toLowerCase()))) {
      throw new UnauthorizedException('API keys are accepted only in the X-API-Key header, never in the query string');
    }
    const secret = request.headers[API_KEY_HEADER];
    if (typeof secret !== 'string' || secret === '') throw new UnauthorizedException('Missing X-API-Key header');
    const apiKey = await this.apiKeys.verify(secret);
    if (!apiKey) throw new UnauthorizedException('Unknown, revoked or expired API key');
    request.apiKey = apiKey;
    const required = requiredScopes(this.reflector, context);
    const missing = required.find((scope) => !hasScope(apiKey.scopes, scope));
    if (missing) throw new ForbiddenException(`This route needs an API key with the '${missing}' scope`);
    return true;
  }
}

export function requiredScopes(reflector: Reflector, context: ExecutionContext): ApiScope[] {
  return (
    reflector.getAllAndOverride<ApiScope[] | undefined>(REQUIRED_SCOPES, [
      context.getHandler(),
      context.getClass(),
    ]) ?? ['read']
  );
}

/** The most privileged scope a route needs: it picks the route's rate-limit bucket. */
export function rateLimitBucket(scopes: ApiScope[]): ApiScope {
  return [...API_SCOPES].reverse().find((scope) => scopes.includes(scope)) ?? 'read';
}
