export * from './http-metrics';
export * from './monitoring.module';
