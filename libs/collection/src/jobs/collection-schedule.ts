import { addDays, dashed, kstToday, meetsRacingOn, SUNDAY, weekdayOf } from '@app/calendar';
import { CollectJobType, CollectRequest } from './collect-params';

export const SCHEDULE_KINDS = ['entries', 'results', 'catchup'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/** One job a schedule slot asks for; `slot` is its identity across every replica and firing. */
export interface ScheduledWork {
  slot: string;
  type: CollectJobType;
  request: CollectRequest;
}

/**
 * What firing `kind` at `at` enqueues, for the `meets` the schedule covers:
 * - entries: collect-day for each race day after today up to and including the coming Sunday;
 * - results: collect-results for today's races;
 * - catchup: collect-results for yesterday's races (results final the next morning).
 * The slot names the kind, race date and meet, never the firing time, so any replica firing any
 * time yields the same identities.
 */
export function scheduledWork(kind: ScheduleKind, at: Date, meets: readonly number[]): ScheduledWork[] {
  const today = kstToday(at).replaceAll('-', '');
  const days: string[] = [];
  if (kind === 'results') days.push(today);
  if (kind === 'catchup') days.push(addDays(today, -1));
  if (kind === 'entries') {
    for (let offset = 1; offset <= 7; offset += 1) {
      const day = addDays(today, offset);
      days.push(day);
      if (weekdayOf(day) === SUNDAY) break;
    }
  }
  const type: CollectJobType = kind === 'entries' ? 'collect-day' : 'collect-results';
  return days.flatMap((day) => {
    const date = dashed(day);
    return meetsRacingOn(day)
      .filter((meet) => meets.includes(meet))
      .map((meet) => ({ slot: `${kind}:${date}:${meet}`, type, request: { date, meet } }));
  });
}
