export * from './advisory-lock';
export * from './data-source-options';
export * from './database.module';
export * from './ensure-database';
export * from './run-migrations';
