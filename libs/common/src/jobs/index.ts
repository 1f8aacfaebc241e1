export * from './job-contract';
export * from './job.dto';
