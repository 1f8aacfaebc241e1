import type { CollectionFailure, CollectionReport } from '../collection-report';
import { describe, expect, it } from 'vitest';
import { judgeReport, toJobReport } from './collect-verdict';

const report = (failures: CollectionFailure[], races = 3): CollectionReport => ({
  date: '2025-05-23',
  meet: 3,
  results: false,
  startedAt: '',
  finishedAt: '',
  races: Array.from({ length: races }, (_, index) => ({
    raceNo: index + 1,
    status: 'entries',
    entries: 10,
    details: 0,
    results: 0,
    dividends: 0,
  })),
  calls: {},
  failures,
  ok: failures.length === 0,
});
const failure = (scope: string, error: string): CollectionFailure => ({ scope, reason: `${error} happened`, error });

describe('judgeReport', () => {
  it('should succeed a clean run', () => {
    expect(judgeReport(report([]))).toEqual({ kind: 'succeeded' });
  });

  it('should fail at once when nothing was stored and every failure is quota or auth', () => {
    expect(judgeReport(report([failure('day', 'KraQuotaExceededError')], 0))).toMatchObject({
      kind: 'permanent',
      code: 'quota',
    });
    expect(
      judgeReport(report([failure('horse 1', 'KraAuthError'), failure('horse 2', 'KraQuotaExceededError')], 0)),
    ).toMatchObject({
      kind: 'permanent',
      code: 'auth',
      message: 'horse 1: KraAuthError happened (and 1 more failure)',
    });
  });

  it('should call a day partly stored before the quota ran out a partial success, not a failure', () => {
    expect(
      judgeReport(report([failure('horse 1', 'KraQuotaExceededError'), failure('horse 2', 'KraQuotaExceededError')])),
    ).toMatchObject({
      kind: 'partially_succeeded',
      message: 'horse 1: KraQuotaExceededError happened (and 1 more failure)',
    });
  });

  it('should retry transient failures, remembering whether data was stored', () => {
    expect(judgeReport(report([failure('day', 'KraTransientError')], 0))).toMatchObject({
      kind: 'retry',
      code: 'transient',
      partial: false,
    });
    expect(judgeReport(report([failure('horse 1', 'KraTransientError')]))).toMatchObject({
      kind: 'retry',
      partial: true,
    });
  });

  it('should judge a failed day by its own error', () => {
    expect(
      judgeReport(report([failure('day', 'KraUpstreamError'), failure('x', 'KraTransientError')], 0)),
    ).toMatchObject({ kind: 'permanent', code: 'upstream' });
    expect(judgeReport(report([failure('day', 'QueryFailedError'), failure('x', 'KraAuthError')], 0))).toMatchObject({
      kind: 'retry',
      code: 'internal',
    });
  });

  it('should call mixed failures with data stored a partial success', () => {
    expect(
      judgeReport(report([failure('horse 1', 'KraTransientError'), failure('race 2', 'QueryFailedError')])),
    ).toMatchObject({ kind: 'partially_succeeded' });
  });
});

describe('toJobReport', () => {
  it('should report a verdict in the job contract, the engine report as the result', () => {
    const clean = report([]);
    expect(toJobReport(clean)).toEqual({ outcome: 'succeeded', result: clean, summary: '3 race(s), 0 failure(s)' });
    expect(toJobReport(report([failure('horse 1', 'KraQuotaExceededError')]))).toMatchObject({
      outcome: 'partially_succeeded',
      code: 'quota',
      summary: '3 race(s), 1 failure(s)',
    });
    expect(toJobReport(report([failure('day', 'KraAuthError')], 0))).toMatchObject({
      outcome: 'failed',
      code: 'auth',
      retry: false,
    });
    expect(toJobReport(report([failure('horse 1', 'KraTransientError')]))).toMatchObject({
      outcome: 'failed',
      code: 'transient',
      retry: true,
      partial: true,
    });
    expect(toJobReport(report([failure('race 1', 'DatabaseUnavailable')]))).toMatchObject({
      outcome: 'failed',
      code: 'database',
    });
  });
});
