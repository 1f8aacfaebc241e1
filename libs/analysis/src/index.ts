export * from './features/definitions';
export * from './features/engine';
export * from './features/history';
