/**
 * Reads raw environment strings into typed values, collecting every problem instead of stopping
 * at the first, so one boot attempt reports all bad variables at once.
 */
export class EnvReader {
  readonly problems: string[] = [];

  constructor(private readonly env: NodeJS.ProcessEnv) {}

  private raw(name: string): string | undefined {
    const value = this.env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  }

  private fail<T>(name: string, reason: string, fallback: T): T {
    this.problems.push(`${name}: ${reason}`);
    return fallback;
  }

  string(name: string, fallback: string): string {
    return this.raw(name) ?? fallback;
  }

  optionalString(name: string): string | undefined {
    return this.raw(name);
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = Number(value);
    if (!/^-?\d+$/.test(value) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      return this.fail(name, `must be an integer from ${min} to ${max}`, fallback);
    }
    return parsed;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (['true', '1', 'yes', 'on'].includes(value)) return true;
    if (['false', '0', 'no', 'off'].includes(value)) return false;
    return this.fail(name, 'must be true or false', fallback);
  }

  oneOf<T extends string>(name: string, fallback: T, allowed: readonly T[]): T {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(value)) {
      return this.fail(name, `must be one of ${allowed.join(', ')}`, fallback);
    }
    return value as T;
  }

  /** A calendar date written YYYY-MM-DD, from `min` to `max` (both YYYY-MM-DD). */
  date(name: string, fallback: string, min: string, max: string): string {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    const parsed = new Date(`${value}T00:00:00Z`);
    const real = /^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(parsed.getTime());
    if (!real || parsed.toISOString().slice(0, 10) !== value || value < min || value > max) {
      return this.fail(name, `must be a date YYYY-MM-DD from ${min} to ${max}`, fallback);
    }
    return value;
  }

  /** A URL whose scheme is one of `protocols`. The value is never echoed: it may hold a password. */
  url(name: string, fallback: string, protocols: readonly string[]): string {
    const value = this.raw(name) ?? fallback;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      return this.fail(name, `must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL`, fallback);
    }
    if (!protocols.includes(parsed.protocol) || parsed.hostname === '') {
      return this.fail(name, `must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL with a host`, fallback);
    }
    return value;
  }

  optionalUrl(name: string, protocols: readonly string[]): string | undefined {
    return this.raw(name) === undefined ? undefined : this.url(name, '', protocols);
  }

  list(name: string, fallback: string[]): string[] {
    const value = this.raw(name);
    if (value === undefined) return fallback;
    return value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
  }

  /** A secret that, when set, must be long enough to resist guessing. */
  secret(name: string, minLength: number): string | undefined {
    const value = this.raw(name);
    if (value !== undefined && value.length < minLength) {
      return this.fail(name, `must be at least ${minLength} characters`, undefined);
    }
    return value;
  }
}
