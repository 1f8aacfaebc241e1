import helmet, { HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Helmet's security headers, computed once. They do not depend on the request, and building
 * helmet's middleware per request (as its Fastify plugin does) costs several percent of the
 * API's throughput.
 */
export function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: unknown) => (headers[name] = String(value)),
    removeHeader: (name: string) => delete headers[name],
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => undefined);
  return headers;
}

/**
 * The CSP directive `upgrade-insecure-requests`, only where browsers come over HTTPS: over plain
 * HTTP it sends every asset of a page to an https:// URL nothing answers, and the page stays blank
 * (from any host but localhost, which browsers exempt). Helmet adds it unless told `null`.
 */
export function upgradeInsecureRequests(servedOverHttps: boolean): { upgradeInsecureRequests?: null } {
  return servedOverHttps ? {} : { upgradeInsecureRequests: null };
}
