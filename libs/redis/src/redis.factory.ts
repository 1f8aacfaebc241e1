import { Logger } from '@nestjs/common';
import Redis, { RedisOptions } from 'ioredis';

export interface RedisSettings {
  url: string;
  keyPrefix: string;
}

/**
 * The one way the product opens a Redis connection. Commands fail fast while disconnected (no
 * offline queue), so a Redis outage degrades features instead of hanging requests, and a lost
 * connection is logged once per outage rather than once per reconnect attempt.
 */
export function createRedisClient(settings: RedisSettings, name: string, overrides: RedisOptions = {}): Redis {
  const logger = new Logger(`Redis:${name}`);
  const client = new Redis(settings.url, {
    connectionName: name,
    keyPrefix: settings.keyPrefix,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // Commands issued in the same tick share one write: many concurrent requests, few syscalls.
    enableAutoPipelining: true,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    ...overrides,
  });
  let down = false;
  client.on('error', (error: Error) => {
    if (down) return;
    down = true;
    logger.warn(`Redis connection lost: ${error.message}; retrying in the background`);
  });
  client.on('ready', () => {
    if (!down) return;
    down = false;
    logger.log('Redis connection restored');
  });
  return client;
}
