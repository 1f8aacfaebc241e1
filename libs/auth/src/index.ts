export * from './api-key.entity';
export * from './api-keys.service';
export * from './auth.decorators';
export * from './auth.module';
export * from './authenticated-key';
export { RATE_LIMIT_FAIL_OPEN_METRIC } from './rate-limit.guard';
