export * from './collection-job.processor';
export * from './job-outcome';
export * from './job.types';
export * from './jobs.dto';
export * from './jobs.module';
export * from './jobs.repository';
export * from './jobs.service';
