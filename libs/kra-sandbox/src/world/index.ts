export * from './normal';
export * from './simulation';
export * from './world-stats';
