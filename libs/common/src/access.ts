import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrors } from './error-body.dto';

/**
 * What a route may declare about access, and what a request knows of its caller. The auth module
 * enforces it (its global guard reads these marks); features only declare, so they need not import auth.
 */
export const API_SCOPES = ['read', 'collect', 'admin'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

export const REQUIRED_SCOPES = 'auth:requiredScopes';
export const API_KEY_SECURITY = 'api-key';
export const API_KEY_HEADER = 'x-api-key';

/**
 * Requires an API key holding every listed scope (none listed: any valid key). Routes without
 * this decorator and without `@Public()` need the `read` scope.
 */
export function RequireScopes(...scopes: ApiScope[]): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(REQUIRED_SCOPES, scopes), ApiSecurity(API_KEY_SECURITY), ApiErrors(401, 403, 429));
}

/** What a request knows about the key that authenticated it: never the secret. */
export interface AuthenticatedKey {
  id: string;
  name: string;
  scopes: ApiScope[];
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: AuthenticatedKey;
  }
}

/** `admin` grants every scope; other scopes grant only themselves. */
export function hasScope(scopes: readonly ApiScope[], needed: ApiScope): boolean {
  return scopes.includes('admin') || scopes.includes(needed);
}

/** Who calls a guarded route: their key's id, and whether it may see everyone's things. */
export interface Caller {
  apiKeyId: string | null;
  admin: boolean;
}

export function callerOf(request: FastifyRequest): Caller {
  const key = request.apiKey;
  return { apiKeyId: key?.id ?? null, admin: key?.scopes.includes('admin') ?? false };
}
