import { describe, expect, it } from 'vitest';
import { ConfigValidationError, loadConfig } from './app-config';

describe(loadConfig.name, () => {
  it('should work with no environment at all, on local defaults', () => {
    const config = loadConfig({});
    expect(config.http.port).toBe(3000);
    expect(config.database.url).toBe('postgres://postgres@127.0.0.1:5432/kra');
    expect(config.redis).toEqual({ url: 'redis://127.0.0.1:6379', keyPrefix: 'kra:' });
    expect(config.rateLimit.limits).toEqual({ public: 60, read: 600, collect: 60, admin: 120 });
    expect(config.auth.adminApiKey).toBeUndefined();
  });

  it('should read and convert every kind of value', () => {
    const config = loadConfig({
      PORT: '8080',
      TRUST_PROXY: 'yes',
      CORS_ORIGINS: 'https://a.example, https://b.example,',
      LOG_LEVEL: 'debug',
      DATABASE_URL: 'postgresql://user:pw@db:5432/races',
      RATE_LIMIT_COLLECT: '5',
    });
    expect(config.http).toMatchObject({
      port: 8080,
      trustProxy: true,
      corsOrigins: ['https://a.example', 'https://b.example'],
    });
    expect(config.log.level).toBe('debug');
    expect(config.database.url).toBe('postgresql://user:pw@db:5432/races');
    expect(config.rateLimit.limits.collect).toBe(5);
  });

  it('should name every bad variable in one error', () => {
    const attempt = (): unknown =>
      loadConfig({
        DATABASE_URL: 'localhost:5432/kra',
        PORT: '70000',
        REDIS_URL: 'http://cache',
        TRUST_PROXY: 'maybe',
        ADMIN_API_KEY: 'short',
      });
    expect(attempt).toThrow(ConfigValidationError);
    try {
      attempt();
    } catch (error) {
      const { problems, message } = error as ConfigValidationError;
      expect(problems.map((problem) => problem.split(':')[0])).toEqual([
        'PORT',
        'TRUST_PROXY',
        'DATABASE_URL',
        'REDIS_URL',
        'ADMIN_API_KEY',
      ]);
      expect(message).toMatch(/^Invalid configuration:\n {2}- PORT: must be an integer from 1 to 65535\n/);
    }
  });

  it('should never echo a bad URL, which may hold a password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres//user:hunter2@db' })).toThrow(
      /DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL$/,
    );
  });

  it('should reject numbers that are not plain integers in range', () => {
    for (const value of ['3000.5', '1e3', 'abc', '0', '-1']) expect(() => loadConfig({ PORT: value })).toThrow(/PORT/);
  });

  it("should read the sandbox's world and its first day, refusing a date that is not one", () => {
    expect(loadConfig({}).kra).toMatchObject({ sandboxWorld: 'history', sandboxWorldStart: '2022-01-01' });
    expect(loadConfig({ KRA_SANDBOX_WORLD: 'classic', KRA_SANDBOX_WORLD_START: '2024-03-01' }).kra).toMatchObject({
      sandboxWorld: 'classic',
      sandboxWorldStart: '2024-03-01',
    });
    for (const value of ['2024-02-30', '20240301', '1999-12-31', '2027-07-01', 'soon'])
      expect(() => loadConfig({ KRA_SANDBOX_WORLD_START: value })).toThrow(
        /KRA_SANDBOX_WORLD_START: must be a date YYYY-MM-DD from 2000-01-01 to 2027-06-30/,
      );
    expect(() => loadConfig({ KRA_SANDBOX_WORLD: 'future' })).toThrow(
      /KRA_SANDBOX_WORLD: must be one of history, classic/,
    );
  });

  it('should treat an empty variable as unset', () => {
    expect(loadConfig({ PORT: '  ' }).http.port).toBe(3000);
  });
});
