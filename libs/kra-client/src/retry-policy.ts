/** The client's decisions on retries and paging, kept pure so they can be tested on their own. */

export interface RetrySettings {
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

/** Whether a transient failure on this attempt (0 = the first call) is tried again. */
export function shouldRetry(attempt: number, settings: RetrySettings): boolean {
  return attempt < settings.maxRetries;
}

/**
 * The wait before retry `attempt + 1`: exponential backoff with full jitter (a random share of
 * base × 2^attempt, capped at the maximum), but at least what the gateway asked for (Retry-After),
 * and never longer than the maximum.
 */
export function retryDelayMs(
  attempt: number,
  settings: RetrySettings,
  retryAfterSeconds?: number,
  random: () => number = Math.random,
): number {
  const backoff = Math.min(settings.retryMaxMs, settings.retryBaseMs * 2 ** attempt);
  return Math.min(Math.max(random() * backoff, (retryAfterSeconds ?? 0) * 1000), settings.retryMaxMs);
}

/**
 * Why a page cannot be taken as it is, or null: a page with no rows before every counted row has
 * arrived is a page the gateway lost (to be retried), never the end of the list.
 */
export function incompletePage(pageNo: number, pageRows: number, rowsSoFar: number, totalCount: number): string | null {
  return pageRows === 0 && rowsSoFar < totalCount
    ? `incomplete paging: page ${pageNo} was empty with ${rowsSoFar} of ${totalCount} rows received`
    : null;
}

/** Whether another page is needed after one that brought the rows to `rowsSoFar`. */
export function needsAnotherPage(rowsSoFar: number, totalCount: number): boolean {
  return rowsSoFar < totalCount;
}
