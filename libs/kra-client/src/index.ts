export * from './envelope';
export * from './kra-client';
export * from './kra-client.module';
export * from './kra-errors';
export * from './kra-records';
export * from './kra-services';
export * from './normalise';
