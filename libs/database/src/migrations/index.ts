import { CreateApiKeys1764460000000 } from './1764460000000-create-api-keys';

/** Every migration, oldest first. Listed explicitly so builds and tests need no file globbing. */
export const MIGRATIONS = [CreateApiKeys1764460000000];
