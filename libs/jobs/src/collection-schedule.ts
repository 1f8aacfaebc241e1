import { CollectRequest } from './jobs.service';
import { CollectJobType } from './job.types';

export const SCHEDULE_KINDS = ['entries', 'results', 'catchup'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

/** One job a schedule slot asks for; `slot` is its identity across every replica and firing. */
export interface ScheduledWork {
  slot: string;
  type: CollectJobType;
  request: CollectRequest;
}

/** Which meets race on which KST weekday (0 Sunday): Seoul 1, Jeju 2, Busan 3. */
export const RACE_MEETS_BY_WEEKDAY: Readonly<Record<number, readonly number[]>> = { 5: [2, 3], 6: [1, 2], 0: [1, 3] };

/** Korea keeps no daylight saving time: KST is always UTC+9. */
const KST_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;

/** The KST calendar day of an instant, as midnight UTC of that date (for plain date arithmetic). */
function kstDay(at: Date): Date {
  const shifted = new Date(at.getTime() + KST_OFFSET_MS);
  return new Date(Date.UTC(shifted.getUTCFullYear(), shifted.getUTCMonth(), shifted.getUTCDate()));
}

const isoDate = (day: Date): string => day.toISOString().slice(0, 10);

/** Today's date in Asia/Seoul, `YYYY-MM-DD`. */
export function kstToday(at: Date = new Date()): string {
  return isoDate(kstDay(at));
}

/** Every race day (date and meet) of `meets` from `from` to `to` (`YYYY-MM-DD`, both included), oldest first. */
export function raceDays(from: string, to: string, meets: readonly number[]): { date: string; meet: number }[] {
  const days: { date: string; meet: number }[] = [];
  for (let time = Date.parse(`${from}T00:00:00Z`); time <= Date.parse(`${to}T00:00:00Z`); time += DAY_MS) {
    const day = new Date(time);
    for (const meet of RACE_MEETS_BY_WEEKDAY[day.getUTCDay()] ?? [])
      if (meets.includes(meet)) days.push({ date: isoDate(day), meet });
  }
  return days;
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
  const today = kstDay(at);
  const days: Date[] = [];
  if (kind === 'results') days.push(today);
  if (kind === 'catchup') days.push(new Date(today.getTime() - DAY_MS));
  if (kind === 'entries') {
    for (let offset = 1; offset <= 7; offset += 1) {
      const day = new Date(today.getTime() + offset * DAY_MS);
      days.push(day);
      if (day.getUTCDay() === 0) break;
    }
  }
  const type: CollectJobType = kind === 'entries' ? 'collect-day' : 'collect-results';
  return days.flatMap((day) =>
    (RACE_MEETS_BY_WEEKDAY[day.getUTCDay()] ?? [])
      .filter((meet) => meets.includes(meet))
      .map((meet) => ({ slot: `${kind}:${isoDate(day)}:${meet}`, type, request: { date: isoDate(day), meet } })),
  );
}
