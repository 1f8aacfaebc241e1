import { describe, expect, it } from 'vitest';
import { BackfillChild, backfillStatus, countChildren, normaliseBackfillParams, tallyBackfill } from './backfill';
import { raceDays } from '@app/calendar';
import type { JobStatus } from '@app/common';

const child = (n: number, status: JobStatus, errorCode: BackfillChild['errorCode'] = null): BackfillChild => ({
  id: `child-${n}`,
  date: `2025-05-${String(n).padStart(2, '0')}`,
  meet: 1,
  status,
  errorCode,
});
const counts = (...statuses: JobStatus[]) => countChildren(statuses.map((status, index) => child(index + 1, status)));

describe('backfillStatus', () => {
  it('should succeed when every child succeeded, even after a cancel came too late', () => {
    expect(backfillStatus(counts('succeeded', 'succeeded'), false)).toBe('succeeded');
    expect(backfillStatus(counts('succeeded', 'succeeded'), true)).toBe('succeeded');
  });

  it('should be cancelled when a cancel was requested, or every child was cancelled', () => {
    expect(backfillStatus(counts('succeeded', 'cancelled', 'failed'), true)).toBe('cancelled');
    expect(backfillStatus(counts('cancelled', 'cancelled'), false)).toBe('cancelled');
  });

  it('should fail when nothing was collected', () => {
    expect(backfillStatus(counts('failed', 'failed'), false)).toBe('failed');
    expect(backfillStatus(counts('failed', 'cancelled'), false)).toBe('failed');
  });

  it('should partially succeed otherwise', () => {
    expect(backfillStatus(counts('succeeded', 'failed'), false)).toBe('partially_succeeded');
    expect(backfillStatus(counts('partially_succeeded', 'succeeded'), false)).toBe('partially_succeeded');
    expect(backfillStatus(counts('succeeded', 'cancelled'), false)).toBe('partially_succeeded');
  });
});

describe('tallyBackfill', () => {
  it('should count race days done into 0–99 progress until the last one ends', () => {
    const tally = tallyBackfill([child(1, 'succeeded'), child(2, 'failed'), child(3, 'running')], false);
    expect(tally).toMatchObject({ progress: 66, step: '2/3 race days done', end: null });
    expect(tally.counts).toEqual({
      total: 3,
      queued: 0,
      running: 1,
      succeeded: 1,
      partiallySucceeded: 0,
      failed: 1,
      cancelled: 0,
    });
    expect(tallyBackfill([child(1, 'queued')], false)).toMatchObject({
      progress: 0,
      step: '0/1 race days done',
      end: null,
    });
  });

  it('should end with 100 and a summary listing the failed children', () => {
    const tally = tallyBackfill(
      [child(1, 'succeeded'), child(2, 'failed', 'quota'), child(3, 'partially_succeeded', 'transient')],
      false,
    );
    expect(tally.progress).toBe(100);
    expect(tally.end).toMatchObject({
      status: 'partially_succeeded',
      errorCode: 'quota',
      errorMessage: '2 of 3 race days did not fully succeed',
      result: {
        days: 3,
        succeeded: 1,
        partiallySucceeded: 1,
        failed: 1,
        cancelled: 0,
        failedChildren: [{ id: 'child-2', date: '2025-05-02', meet: 1, errorCode: 'quota' }],
      },
    });
    expect(tally.end?.message).toMatch(/^partially succeeded: 3 race day\(s\)/);
  });

  it('should end a clean or cancelled backfill with the matching error', () => {
    expect(tallyBackfill([child(1, 'succeeded')], false).end).toMatchObject({
      status: 'succeeded',
      errorCode: null,
      errorMessage: null,
    });
    expect(tallyBackfill([child(1, 'succeeded'), child(2, 'cancelled')], true).end).toMatchObject({
      status: 'cancelled',
      errorCode: 'cancelled',
      errorMessage: 'Cancelled on request',
    });
  });
});

describe('normaliseBackfillParams', () => {
  it('should sort and dedupe meets, all three by default', () => {
    expect(normaliseBackfillParams({ from: '2025-05-01', to: '2025-05-31', meets: [3, 1, 3] })).toEqual({
      from: '2025-05-01',
      to: '2025-05-31',
      meets: [1, 3],
    });
    expect(normaliseBackfillParams({ from: '2025-05-01', to: '2025-05-31' }).meets).toEqual([1, 2, 3]);
  });
});

describe('raceDays', () => {
  it('should list the race days of the meets in the range, oldest first', () => {
    // 2025-05-19 is a Monday.
    expect(raceDays('2025-05-19', '2025-05-25', [1, 3])).toEqual([
      { date: '2025-05-23', meet: 3 },
      { date: '2025-05-24', meet: 1 },
      { date: '2025-05-25', meet: 1 },
      { date: '2025-05-25', meet: 3 },
    ]);
    expect(raceDays('2025-05-23', '2025-05-23', [1, 2, 3])).toEqual([
      { date: '2025-05-23', meet: 2 },
      { date: '2025-05-23', meet: 3 },
    ]);
    expect(raceDays('2025-05-19', '2025-05-22', [1, 2, 3])).toEqual([]);
    expect(raceDays('2025-05-24', '2025-05-24', [3])).toEqual([]);
  });
});
