export { hasScope } from '@app/common';
export type { AuthenticatedKey } from '@app/common';
