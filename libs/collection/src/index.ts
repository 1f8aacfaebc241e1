export * from './collection-report';
export * from './collection.module';
export * from './collection.service';
export * from './pre-race-fields';
export * from './store';
export * from './snapshot-parts';
export * from './read';
export * from './jobs';
