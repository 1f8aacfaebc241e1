import { describe, expect, it } from 'vitest';
import { incompletePage, needsAnotherPage, retryDelayMs, shouldRetry } from './retry-policy';

const settings = { maxRetries: 3, retryBaseMs: 500, retryMaxMs: 10_000 };

describe('retries', () => {
  it('should retry a transient failure the configured number of times, then give up', () => {
    expect([0, 1, 2, 3].map((attempt) => shouldRetry(attempt, settings))).toEqual([true, true, true, false]);
    expect(shouldRetry(0, { ...settings, maxRetries: 0 })).toBe(false);
  });

  it('should back off exponentially with full jitter, capped at the maximum', () => {
    expect([0, 1, 2, 3, 10].map((attempt) => retryDelayMs(attempt, settings, undefined, () => 1))).toEqual([
      500, 1_000, 2_000, 4_000, 10_000,
    ]);
    expect(retryDelayMs(3, settings, undefined, () => 0)).toBe(0);
    expect(retryDelayMs(2, settings, undefined, () => 0.5)).toBe(1_000);
  });

  it('should wait at least what Retry-After asks, but never past the maximum', () => {
    expect(retryDelayMs(0, settings, 3, () => 0)).toBe(3_000);
    expect(retryDelayMs(0, settings, 60, () => 0)).toBe(10_000);
  });
});

describe('paging', () => {
  it('should page on until every counted row has arrived, whatever the page size the gateway used', () => {
    expect(needsAnotherPage(10, 11)).toBe(true);
    expect(needsAnotherPage(11, 11)).toBe(false);
    expect(needsAnotherPage(0, 0)).toBe(false);
  });

  it('should take an empty page before the end as lost, and an empty answer as empty', () => {
    expect(incompletePage(2, 0, 10, 11)).toBe('incomplete paging: page 2 was empty with 10 of 11 rows received');
    expect(incompletePage(1, 0, 0, 0)).toBeNull();
    expect(incompletePage(2, 1, 10, 11)).toBeNull();
  });
});
