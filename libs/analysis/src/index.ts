export * from './features/definitions';
export * from './features/engine';
export * from './features/history';
export * from './features/csv';
export * from './features.service';
export * from './store/features.repository';
export * from './analysis.module';
export * from './api/analysis.controller';
