export * from './http-metrics';
export * from './monitoring.module';
export * from './readiness-checks';
