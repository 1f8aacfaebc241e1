import { describe, expect, it } from 'vitest';
import { normaliseRaceDate } from '@app/collection';
import {
  parseCliArgs,
  parseCollectArgs,
  parseExportLegacyArgs,
  parseImportLegacyArgs,
  parseLegacyCollectArgs,
  UsageError,
} from './cli-args';

describe(parseCollectArgs.name, () => {
  it('should read a full collect command', () => {
    expect(parseCollectArgs(['collect', '--date', '20250622', '--meet', '1', '--results'])).toEqual({
      date: '2025-06-22',
      meet: 1,
      results: true,
      details: true,
    });
    expect(
      parseCollectArgs(['collect', '--meet', '3', '--date', '2025-06-22', '--no-details', '--no-results']),
    ).toEqual({ date: '2025-06-22', meet: 3, results: false, details: false });
    // Without either flag the day decides (results for a day that is over).
    expect(parseCollectArgs(['collect', '--meet', '3', '--date', '2025-06-22'])).toEqual({
      date: '2025-06-22',
      meet: 3,
      details: true,
    });
  });

  it.each([
    [['collect', '--meet', '1'], '--date is required'],
    [['collect', '--date', '2025-06-22'], '--meet is required'],
    [['collect', '--date', '2025-02-30', '--meet', '1'], '--date: "2025-02-30" is not a calendar date'],
    [['collect', '--date', '2025-06-22', '--meet', '5'], '--meet: "5" is not 1, 2, 3 or 4'],
    [['collect', '--date'], '--date needs a value'],
    [['collect', '--date', '2025-06-22', '--meet', '1', '--fast'], 'Unknown option "--fast"'],
    [['fetch'], 'Unknown command "fetch"'],
  ])('should refuse %j', (argv, message) => {
    expect(() => parseCollectArgs(argv)).toThrow(UsageError);
    expect(() => parseCollectArgs(argv)).toThrow(message);
  });

  it('should accept only real calendar dates', () => {
    expect([
      normaliseRaceDate('2024-02-29'),
      normaliseRaceDate('2025-02-29'),
      normaliseRaceDate('20251301'),
      normaliseRaceDate('2025-6-1'),
    ]).toEqual(['2024-02-29', null, null, null]);
  });
});

describe(parseExportLegacyArgs.name, () => {
  it('should read an export-legacy command, with or without a meet', () => {
    expect(
      parseExportLegacyArgs(['export-legacy', 'data/races', '--from', '20250501', '--to', '2025-05-31', '--meet', '3']),
    ).toEqual({
      dir: 'data/races',
      from: '2025-05-01',
      to: '2025-05-31',
      meet: 3,
    });
    expect(parseExportLegacyArgs(['export-legacy', '--from', '2024-01-01', '--to', '2024-12-31', '/tmp/out'])).toEqual({
      dir: '/tmp/out',
      from: '2024-01-01',
      to: '2024-12-31',
    });
  });

  it.each([
    [['export-legacy', '--from', '2025-05-01', '--to', '2025-05-31'], 'export-legacy needs a directory'],
    [['export-legacy', 'out', '--to', '2025-05-31'], '--from is required'],
    [['export-legacy', 'out', '--from', '2025-05-01'], '--to is required'],
    [
      ['export-legacy', 'out', '--from', '2025-02-30', '--to', '2025-05-31'],
      '--from: "2025-02-30" is not a calendar date',
    ],
    [['export-legacy', 'out', '--from', '2025-05-31', '--to', '2025-05-01'], '--to must not be before --from'],
    [['export-legacy', 'out', '--from', '2024-01-01', '--to', '2025-01-01'], 'may span at most 366 days'],
    [
      ['export-legacy', 'out', '--from', '2025-05-01', '--to', '2025-05-31', '--meet', '4'],
      '--meet: "4" is not 1, 2 or 3',
    ],
    [['export-legacy', 'out', 'other', '--from', '2025-05-01', '--to', '2025-05-31'], 'Only one directory'],
    [['export-legacy', 'out', '--from', '2025-05-01', '--to', '2025-05-31', '--results'], 'Unknown option "--results"'],
  ])('should refuse %j', (argv, message) => {
    expect(() => parseExportLegacyArgs(argv)).toThrow(UsageError);
    expect(() => parseExportLegacyArgs(argv)).toThrow(message);
  });
});

describe(parseCliArgs.name, () => {
  it('should hand each command to its own parser', () => {
    expect(parseCliArgs(['collect', '--date', '2025-06-22', '--meet', '1'])).toEqual({
      command: 'collect',
      json: false,
      date: '2025-06-22',
      meet: 1,
      details: true,
    });
    expect(parseCliArgs(['export-legacy', 'out', '--from', '2025-06-01', '--to', '2025-06-30'])).toEqual({
      command: 'export-legacy',
      json: false,
      dir: 'out',
      from: '2025-06-01',
      to: '2025-06-30',
    });
    expect(parseCliArgs(['import-legacy', 'data/races', '--json'])).toEqual({
      command: 'import-legacy',
      json: true,
      dir: 'data/races',
      dryRun: false,
      concurrency: 4,
    });
    expect(() => parseCliArgs(['fetch'])).toThrow('Unknown command "fetch"');
  });
});

describe(parseImportLegacyArgs.name, () => {
  it('should read an import-legacy command, with or without its options', () => {
    expect(parseImportLegacyArgs(['import-legacy', 'data/races'])).toEqual({
      dir: 'data/races',
      dryRun: false,
      concurrency: 4,
    });
    expect(parseImportLegacyArgs(['import-legacy', '--dry-run', '/tmp/tree', '--concurrency', '8'])).toEqual({
      dir: '/tmp/tree',
      dryRun: true,
      concurrency: 8,
    });
  });

  it.each([
    [['import-legacy'], 'import-legacy needs a directory'],
    [['import-legacy', '--dry-run'], 'import-legacy needs a directory'],
    [['import-legacy', 'a', 'b'], 'Only one directory, not "a" and "b"'],
    [['import-legacy', 'a', '--concurrency'], '--concurrency needs a value'],
    [['import-legacy', 'a', '--concurrency', '0'], '--concurrency: "0" is not a number from 1 to 16'],
    [['import-legacy', 'a', '--concurrency', '17'], '--concurrency: "17" is not a number from 1 to 16'],
    [['import-legacy', 'a', '--results'], 'Unknown option "--results"'],
  ])('should refuse %j', (argv, message) => {
    expect(() => parseImportLegacyArgs(argv)).toThrow(UsageError);
    expect(() => parseImportLegacyArgs(argv)).toThrow(message);
  });
});

describe(parseLegacyCollectArgs.name, () => {
  it("should take the old script's DATE [MEET], meet 1 when omitted, and --out", () => {
    expect(parseLegacyCollectArgs(['legacy-collect', '20250523'])).toEqual({
      date: '2025-05-23',
      meet: 1,
      out: 'data/races',
    });
    expect(parseLegacyCollectArgs(['legacy-collect', '20250523', '3', '--out', '/tmp/races'])).toEqual({
      date: '2025-05-23',
      meet: 3,
      out: '/tmp/races',
    });
    expect(parseLegacyCollectArgs(['legacy-collect', '--out', 'x', '2025-05-23', '2'])).toEqual({
      date: '2025-05-23',
      meet: 2,
      out: 'x',
    });
  });

  it.each([
    [['legacy-collect'], 'needs a date'],
    [['legacy-collect', '2025-13-01'], 'is not a calendar date'],
    [['legacy-collect', '20250523', '4'], 'meet: "4" is not 1, 2 or 3'],
    [['legacy-collect', '20250523', '1', '2'], 'not also "2"'],
    [['legacy-collect', '20250523', '--results'], 'Unknown option "--results"'],
  ])('should refuse %j', (argv, message) => {
    expect(() => parseLegacyCollectArgs(argv)).toThrow(message);
  });
});
