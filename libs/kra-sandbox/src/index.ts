export { createKraSandbox } from './sandbox.server';
export type { KraSandbox, KraSandboxOptions } from './sandbox.server';
export { DEFAULT_DAILY_QUOTA, FAULT_KINDS } from './faults';
export type { FaultKind, FaultTarget, GatewayErrorFault, GatewayErrorStatus, ServiceFaults } from './faults';
export type { CallRecord, SandboxStats } from './stats';
export { KraWorld } from './kra-world';
export { FIXTURE_FILES, FIXTURE_RACE, defaultFixturesDir, readFixture } from './fixtures';
export {
  RESULT_DELAY_MINUTES,
  SCRATCHES_PUBLISHED_AT,
  isPostRaceField,
  queryService,
  resultsAvailableAt,
} from './services';
export { entriesPublishedAt, kstInstant } from '@app/calendar';
export { scheduledMeets } from './meets';
export type { MeetCode } from './meets';
export type { Dividend, Race, RaceDay, RacePlan, ResultRow, Scratch } from './race-day';
export { KRA_GATEWAY_URL, KraUpstreamModule } from './kra-upstream.module';
export * from './world';
export { Rng } from './random';
