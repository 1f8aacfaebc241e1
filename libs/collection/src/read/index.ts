export * from './etag';
export * from './race-read.controllers';
export * from './race-read.module';
export * from './race-date';
export * from './race-read.service';
export * from './race-views.service';
export * from './read-params.dto';
export * from './read-responses.dto';
