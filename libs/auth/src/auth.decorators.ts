import type { ApiScope } from '@app/config';
import { ApiErrors } from '@app/common';
import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';

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
