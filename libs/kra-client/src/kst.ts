const KST_OFFSET_MS = 9 * 60 * 60 * 1000;

/** The calendar date in Korea (YYYYMMDD) at an instant. */
export function kstDateKey(at: Date = new Date()): string {
  return new Date(at.getTime() + KST_OFFSET_MS).toISOString().slice(0, 10).replace(/-/g, '');
}

/** The next midnight in Korea after an instant: when daily quotas reset. */
export function nextKstMidnight(at: Date = new Date()): Date {
  const kst = new Date(at.getTime() + KST_OFFSET_MS);
  const midnightKst = Date.UTC(kst.getUTCFullYear(), kst.getUTCMonth(), kst.getUTCDate() + 1);
  return new Date(midnightKst - KST_OFFSET_MS);
}
