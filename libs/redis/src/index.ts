export { default as Redis } from 'ioredis';
export * from './redis.factory';
export * from './redis.module';
