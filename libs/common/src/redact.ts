/**
 * Secret scrubbing for everything that leaves the process as text: log lines, error bodies,
 * metrics labels. Three layers: values under secret-looking keys, secret-looking `name=value`
 * pairs inside strings (query strings, header dumps, URLs in error messages), and literal secret
 * values registered at boot (the admin key, the metrics token, upstream service keys).
 */
export const REDACTED = '[REDACTED]';

const SECRET_KEY_NAMES = new Set([
  'x-api-key',
  'apikey',
  'api_key',
  'api-key',
  'authorization',
  'proxy-authorization',
  'cookie',
  'set-cookie',
  'servicekey',
  'service_key',
  'password',
  'passwd',
  'secret',
  'token',
  'access_token',
  'refresh_token',
]);

const PAIR_PATTERN =
  /((?:serviceKey|service_key|api[_-]?key|x-api-key|access_token|refresh_token|token|password)["']?\s*[=:]\s*["']?)([^&\s"',;}]+)/gi;
const AUTH_HEADER_PATTERN =
  /((?:authorization|proxy-authorization)["']?\s*[=:]\s*["']?)((?:bearer|basic|token)\s+)?([^\s"',;}]+)/gi;
const COOKIE_PATTERN = /((?:^|[\s"'{,])(?:set-)?cookie["']?\s*[=:]\s*["']?)([^"'\n}]+)/gi;
const URL_PASSWORD_PATTERN = /(\b[a-z][a-z0-9+.-]*:\/\/[^:/\s@]*:)([^@/\s]+)(@)/gi;
/** Our own API keys have a recognisable shape; catch them wherever they appear. */
const API_KEY_SHAPE = /\bkra_[A-Za-z0-9_-]{16,}/g;

const knownSecrets = new Set<string>();

/** Registers a literal secret (and its percent-encoded forms) to be masked wherever it appears. */
export function registerSecret(secret: string | undefined): void {
  if (!secret || secret.length < 6) return;
  knownSecrets.add(secret);
  knownSecrets.add(encodeURIComponent(secret));
  try {
    const decoded = decodeURIComponent(secret);
    knownSecrets.add(decoded);
    knownSecrets.add(encodeURIComponent(decoded));
  } catch {
    // not percent-encoded: nothing more to add
  }
}

export function isSecretKeyName(name: string): boolean {
  return SECRET_KEY_NAMES.has(name.toLowerCase());
}

/** Every pattern below needs one of these; most log strings have none and skip the regexes. */
const MAY_HOLD_SECRET = /[=:@]|kra_/i;

export function redactString(text: string): string {
  let out = text;
  for (const secret of knownSecrets) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  if (!MAY_HOLD_SECRET.test(out)) return out;
  return out
    .replace(API_KEY_SHAPE, REDACTED)
    .replace(URL_PASSWORD_PATTERN, `$1${REDACTED}$3`)
    .replace(AUTH_HEADER_PATTERN, (_m, name: string, scheme: string | undefined) => `${name}${scheme ?? ''}${REDACTED}`)
    .replace(COOKIE_PATTERN, `$1${REDACTED}`)
    .replace(PAIR_PATTERN, `$1${REDACTED}`);
}

/** Deep copy of `value` with secrets masked; cycles and very deep nesting are cut off. */
export function redact<T>(value: T, depth = 0, ancestors = new WeakSet<object>()): T {
  if (typeof value === 'string') return redactString(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (ancestors.has(value) || depth > 10) return '[Truncated]' as T;
  if (value instanceof Error) {
    // Only what explains the error: HTTP client errors also carry request configs and sockets.
    const code = (value as { code?: unknown }).code;
    return {
      type: value.name,
      message: redactString(value.message),
      ...(typeof code === 'string' ? { code } : {}),
      stack: value.stack && redactString(value.stack),
    } as T;
  }
  if (value instanceof Date) return value;
  ancestors.add(value);
  let out: unknown;
  if (Array.isArray(value)) out = value.map((item: unknown) => redact(item, depth + 1, ancestors));
  else {
    const copy: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      copy[key] = isSecretKeyName(key) ? REDACTED : redact(item, depth + 1, ancestors);
    out = copy;
  }
  // Only the current path counts as a cycle: the same object may appear twice side by side.
  ancestors.delete(value);
  return out as T;
}
