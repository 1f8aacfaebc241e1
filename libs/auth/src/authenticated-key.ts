import type { ApiScope } from '@app/config';

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
