/**
 * The one racing calendar of the product: Korean (KST) dates and instants, the race-day weekdays of
 * each meet and the publication times, for the client, the engine, the schedule and the sandbox.
 * Race dates come as `YYYYMMDD` (the gateway's form, "rcDate") or `YYYY-MM-DD` (the product's) as
 * each function says. KST is UTC+9 with no daylight saving time.
 */

/** Korea keeps no daylight saving time: KST is always UTC+9. */
export const KST_OFFSET_MS = 9 * 3_600_000;
const DAY_MS = 86_400_000;
const KOREAN_WEEKDAYS = ['일요일', '월요일', '화요일', '수요일', '목요일', '금요일', '토요일'] as const;

export const FRIDAY = 5;
export const SATURDAY = 6;
export const SUNDAY = 0;

export function isRcDate(text: string): boolean {
  if (!/^\d{8}$/.test(text)) return false;
  const [year, month, day] = splitDate(text);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function splitDate(rcDate: string): [number, number, number] {
  return [Number(rcDate.slice(0, 4)), Number(rcDate.slice(4, 6)), Number(rcDate.slice(6, 8))];
}

function utcMidnight(rcDate: string): number {
  const [year, month, day] = splitDate(rcDate);
  return Date.UTC(year, month - 1, day);
}

function formatUtcDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10).replaceAll('-', '');
}

/** 0 = Sunday … 6 = Saturday. */
export function weekdayOf(rcDate: string): number {
  return new Date(utcMidnight(rcDate)).getUTCDay();
}

export function koreanWeekday(rcDate: string): string {
  return KOREAN_WEEKDAYS[weekdayOf(rcDate)];
}

export function addDays(rcDate: string, days: number): string {
  return formatUtcDate(utcMidnight(rcDate) + days * DAY_MS);
}

/** The Korean calendar date of an instant. */
export function kstDateOf(instant: Date): string {
  return formatUtcDate(instant.getTime() + KST_OFFSET_MS);
}

/** The instant of a KST wall-clock time ("HHMM") on a race date, plus optional minutes. */
export function kstInstant(rcDate: string, hhmm: string, plusMinutes = 0): Date {
  const hours = Number(hhmm.slice(0, 2));
  const minutes = Number(hhmm.slice(2, 4)) + plusMinutes;
  return new Date(utcMidnight(rcDate) - KST_OFFSET_MS + (hours * 60 + minutes) * 60_000);
}

/** "2025-05-03T10:35:00+09:00", the form API299 uses. */
export function kstIso(rcDate: string, hhmm: string, plusMinutes = 0): string {
  const local = new Date(kstInstant(rcDate, hhmm, plusMinutes).getTime() + KST_OFFSET_MS);
  return `${local.toISOString().slice(0, 19)}+09:00`;
}

/** Adds minutes to "HHMM" and formats it back. */
export function addMinutesHhmm(hhmm: string, minutes: number): string {
  const total = Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(2, 4)) + minutes;
  return `${String(Math.floor(total / 60)).padStart(2, '0')}${String(total % 60).padStart(2, '0')}`;
}

/** Entry sheets for a Fri–Sun race day are published the Wednesday before at 14:30 KST. */
export function entriesPublishedAt(rcDate: string): Date {
  const daysBackToWednesday = (weekdayOf(rcDate) - 3 + 7) % 7 || 7;
  return kstInstant(addDays(rcDate, -daysBackToWednesday), '1430');
}

/** Every date from `from` to `to` inclusive; at most `limit` dates, so a bad range cannot exhaust memory. */
export function dateRange(from: string, to: string, limit = 800): string[] {
  const dates: string[] = [];
  for (let date = from; date <= to && dates.length < limit; date = addDays(date, 1)) dates.push(date);
  return dates;
}

export function datesInMonth(yyyymm: string): string[] {
  const first = `${yyyymm}01`;
  const nextMonth = new Date(utcMidnight(first));
  nextMonth.setUTCMonth(nextMonth.getUTCMonth() + 1);
  return dateRange(first, addDays(formatUtcDate(nextMonth.getTime()), -1));
}

export function datesInYear(yyyy: string): string[] {
  return dateRange(`${yyyy}0101`, `${yyyy}1231`);
}

/** Which meets race on which KST weekday (0 Sunday): Fri Jeju 2 + Busan 3; Sat Seoul 1 + Jeju; Sun Seoul + Busan. Holidays are not modelled. */
export const RACE_MEETS_BY_WEEKDAY: Readonly<Record<number, readonly number[]>> = {
  [FRIDAY]: [2, 3],
  [SATURDAY]: [1, 2],
  [SUNDAY]: [1, 3],
};

/** The meets that race on a date, `YYYYMMDD` or `YYYY-MM-DD`. */
export function meetsRacingOn(date: string): readonly number[] {
  return RACE_MEETS_BY_WEEKDAY[weekdayOf(date.replaceAll('-', ''))] ?? [];
}

/** `YYYYMMDD` as `YYYY-MM-DD`. */
export const dashed = (rcDate: string): string => `${rcDate.slice(0, 4)}-${rcDate.slice(4, 6)}-${rcDate.slice(6, 8)}`;

/** Today's date in Asia/Seoul, `YYYY-MM-DD`. */
export function kstToday(at: Date = new Date()): string {
  return dashed(kstDateOf(at));
}

/** The next midnight in Korea after an instant: when daily quotas reset. */
export function nextKstMidnight(at: Date = new Date()): Date {
  return new Date(utcMidnight(addDays(kstDateOf(at), 1)) - KST_OFFSET_MS);
}

/** An instant as an ISO timestamp in Asia/Seoul: "2025-05-23T10:35:00+09:00". */
export function toKstIso(instant: Date): string {
  return `${new Date(instant.getTime() + KST_OFFSET_MS).toISOString().slice(0, 19)}+09:00`;
}

/**
 * Whether a race day (`YYYY-MM-DD`) is over: before today in Asia/Seoul. Collecting such a day
 * means its results too, by default; a day still to come (or under way) means its cards and details.
 */
export function isRaceDayOver(date: string, at: Date = new Date()): boolean {
  return date < kstToday(at);
}

/** Every race day (date and meet) of `meets` from `from` to `to` (`YYYY-MM-DD`, both included), oldest first. */
export function raceDays(from: string, to: string, meets: readonly number[]): { date: string; meet: number }[] {
  const days: { date: string; meet: number }[] = [];
  for (const rcDate of dateRange(from.replaceAll('-', ''), to.replaceAll('-', ''), 1_000)) {
    for (const meet of meetsRacingOn(rcDate)) if (meets.includes(meet)) days.push({ date: dashed(rcDate), meet });
  }
  return days;
}
