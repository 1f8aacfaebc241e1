// The marks routes carry live in common, so features declare access without importing auth.
export { API_KEY_HEADER, API_KEY_SECURITY, REQUIRED_SCOPES, RequireScopes } from '@app/common';
