import { API_KEY_HEADER, ApiKeysService, hasScope } from '@app/auth';
import {
  AppLogger,
  DATABASE_RETRY_AFTER_SECONDS,
  isDatabaseUnavailable,
  securityHeaders,
  toErrorBody,
  upgradeInsecureRequests,
} from '@app/common';
import type { AppConfig } from '@app/config';
import { JOB_QUEUE_NAME } from '@app/jobs';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter as BullBoardFastifyAdapter } from '@bull-board/fastify';
import { ForbiddenException, HttpException, UnauthorizedException } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Queue } from 'bullmq';
import type { FastifyRequest } from 'fastify';
import { STATUS_CODES } from 'node:http';

export const QUEUE_DASHBOARD_PATH = '/admin/queues';

/** Sent with every 401, so that a browser asks for the key (as the password of Basic auth). */
const CHALLENGE = 'Basic realm="queues"';

/**
 * The dashboard's own policy, for its paths only: everything from this server (its page would load
 * fonts from Google Fonts, which a closed network cannot reach: that link is taken out, and the
 * system's sans-serif and monospace fonts stand in). It sets inline styles; its only inline script
 * is JSON data (never run), so unlike the API-wide policy (relaxed for the Swagger UI) it needs no
 * inline scripts.
 */
function dashboardPolicy(config: AppConfig): string {
  return securityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        fontSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        ...upgradeInsecureRequests(config.http.servedOverHttps),
      },
    },
  })['Content-Security-Policy'];
}

/** The page's link to Google Fonts. */
const EXTERNAL_FONTS = /<link[^>]+href="https:\/\/fonts\.googleapis\.com[^>]*>\s*/g;
const BASE_HREF = /<base href="[^"]*"\s*\/?>/;

/**
 * The dashboard page as served: without the external fonts, and with an absolute base URL. Opened
 * as http://user:KEY@host/admin/queues, the page's URL holds credentials, and a browser refuses to
 * fetch any URL resolved against it (the translations among them: the page showed raw keys); the
 * absolute base, without credentials, lets every request go out with the credentials the browser
 * keeps for the site.
 */
function dashboardPage(html: string, request: FastifyRequest): string {
  const base = `${request.protocol}://${request.host}${QUEUE_DASHBOARD_PATH}/`;
  return html.replace(EXTERNAL_FONTS, '').replace(BASE_HREF, `<base href="${escapeAttribute(base)}" />`);
}

function escapeAttribute(text: string): string {
  return text.replace(/[&"<>]/g, (char) => ({ '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;' })[char] ?? char);
}

/**
 * Bull Board for the collection queue at /admin/queues, on the underlying Fastify instance (so it
 * is not part of the Swagger document), for admin keys only. The board is read-only: jobs are
 * managed through the jobs API, which keeps the `jobs` table in step with the queue; removing or
 * adding BullMQ jobs behind its back would leave rows queued forever.
 */
export async function mountQueueDashboard(
  app: NestFastifyApplication,
  logger: AppLogger,
  config: AppConfig,
): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  const policy = dashboardPolicy(config);
  const apiKeys = app.get(ApiKeysService);
  const queue = app.get<Queue>(getQueueToken(JOB_QUEUE_NAME));

  const board = new BullBoardFastifyAdapter();
  createBullBoard({
    queues: [new BullMQAdapter(queue, { readOnlyMode: true })],
    serverAdapter: board,
    options: { uiConfig: { boardTitle: 'KRA jobs' } },
  });
  board.setBasePath(QUEUE_DASHBOARD_PATH);

  // On the root instance, so that it also covers unknown paths under the dashboard (404s). Callback
  // style: every other request passes with one cheap check and no promise.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!isDashboardRequest(request)) return done();
    void reply.header('content-security-policy', policy);
    const refuse = (exception: unknown): void => {
      const body = toErrorBody(exception, request.id);
      if (body.statusCode === 401) void reply.header('www-authenticate', CHALLENGE);
      void reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
    };
    authorise(apiKeys, request).then(
      (refusal) => (refusal ? refuse(refusal) : done()),
      (error: unknown) => {
        // As the API's exception filter does: a database away is a 503 to retry; anything else, the
        // cause in the log and a bare 500 to the caller.
        if (isDatabaseUnavailable(error)) void reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
        else
          logger.error(
            { err: error, requestId: request.id, method: request.method, url: request.url },
            'Unhandled error',
          );
        refuse(error);
      },
    );
  });

  await fastify.register(
    async (scope) => {
      // Bull Board answers its own errors (Redis down, say) without logging them.
      scope.addHook('onError', (request, _reply, error, done) => {
        logger.error(
          { err: error, requestId: request.id, method: request.method, route: request.routeOptions.url },
          'Queue dashboard error',
        );
        done();
      });
      // Bull Board's own refusals ({"error": {"key": "ERRORS.QUEUE_READ_ONLY"}}) in the one error shape.
      scope.addHook('onSend', (request, reply, payload, done) => {
        if (typeof payload === 'string' && String(reply.getHeader('content-type')).startsWith('text/html'))
          return done(null, dashboardPage(payload, request));
        if (reply.statusCode < 400 || (typeof payload === 'string' && payload.includes('"requestId"')))
          return done(null, payload);
        void reply.header('content-type', 'application/json; charset=utf-8');
        const message = boardMessage(payload) ?? STATUS_CODES[reply.statusCode] ?? 'Error';
        done(null, JSON.stringify(toErrorBody(new HttpException(message, reply.statusCode), request.id)));
      });
      await scope.register(board.registerPlugin());
    },
    { prefix: QUEUE_DASHBOARD_PATH },
  );
}

const BOARD_MESSAGES: Record<string, string> = {
  'ERRORS.QUEUE_READ_ONLY': 'The queue dashboard is read-only: cancel and retry jobs through /api/v2/jobs',
  'ERRORS.QUEUE_NOT_FOUND': 'No such queue: the dashboard shows the collection queue only',
};

/** What an error Bull Board answered says: its error key as a message, or its own message. */
function boardMessage(payload: unknown): string | undefined {
  if (typeof payload !== 'string') return undefined;
  try {
    const { error, message } = JSON.parse(payload) as { error?: { key?: unknown } | string; message?: unknown };
    if (error !== null && typeof error === 'object' && typeof error.key === 'string')
      return BOARD_MESSAGES[error.key] ?? error.key;
    if (typeof message === 'string') return message;
    return typeof error === 'string' ? error : undefined;
  } catch {
    return undefined; // not JSON: the status text
  }
}

/**
 * By route template when the request matched a route (so no spelling of the URL slips past), by
 * path otherwise.
 */
function isDashboardRequest(request: FastifyRequest): boolean {
  const path = request.routeOptions.url ?? request.url;
  return (
    path === QUEUE_DASHBOARD_PATH ||
    path.startsWith(`${QUEUE_DASHBOARD_PATH}/`) ||
    path.startsWith(`${QUEUE_DASHBOARD_PATH}?`)
  );
}

/** Null when the request carries an admin key (then on the request, for the log line), else the refusal. */
async function authorise(apiKeys: ApiKeysService, request: FastifyRequest): Promise<HttpException | null> {
  const secret = presentedKey(request);
  if (!secret)
    return new UnauthorizedException(
      'An admin API key is needed: X-API-Key, Authorization: Bearer, or Basic auth with the key as password',
    );
  const apiKey = await apiKeys.verify(secret);
  if (!apiKey) return new UnauthorizedException('Unknown, revoked or expired API key');
  request.apiKey = apiKey;
  if (!hasScope(apiKey.scopes, 'admin'))
    return new ForbiddenException("The queue dashboard needs an API key with the 'admin' scope");
  return null;
}

/** The key from `X-API-Key`, `Authorization: Bearer <key>` or `Authorization: Basic` (the password). */
function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers[API_KEY_HEADER];
  if (typeof header === 'string' && header !== '') return header;
  const [scheme, credentials] = request.headers.authorization?.trim().split(/\s+/, 2) ?? [];
  if (!credentials) return undefined;
  if (/^bearer$/i.test(scheme)) return credentials;
  if (!/^basic$/i.test(scheme)) return undefined;
  const decoded = Buffer.from(credentials, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon >= 0 && colon < decoded.length - 1 ? decoded.slice(colon + 1) : undefined;
}
