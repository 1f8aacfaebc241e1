import { CreateApiKeys1764460000000 } from './1764460000000-create-api-keys';
import { CreateRaceData1764470000000 } from './1764470000000-create-race-data';
import { CreateJobs1764480000000 } from './1764480000000-create-jobs';
import { AddJobScheduleSlot1764490000000 } from './1764490000000-add-job-schedule-slot';
import { AddJobHeartbeat1764495000000 } from './1764495000000-add-job-heartbeat';
import { AddJobParent1764500000000 } from './1764500000000-add-job-parent';
import { OpenJobKinds1764510000000 } from './1764510000000-open-job-kinds';
import { CreateRaceFeatures1764520000000 } from './1764520000000-create-race-features';
import { AddEntryKnownAt1764530000000 } from './1764530000000-add-entry-known-at';

/** Every migration, oldest first. Listed explicitly so builds and tests need no file globbing. */
export const MIGRATIONS = [
  CreateApiKeys1764460000000,
  CreateRaceData1764470000000,
  CreateJobs1764480000000,
  AddJobScheduleSlot1764490000000,
  AddJobHeartbeat1764495000000,
  AddJobParent1764500000000,
  OpenJobKinds1764510000000,
  CreateRaceFeatures1764520000000,
  AddEntryKnownAt1764530000000,
];
