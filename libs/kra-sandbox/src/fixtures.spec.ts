import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultFixturesDir, FIXTURE_FILES, loadFixtures, matchFixture } from './fixtures';

describe('captured fixtures', () => {
  const fixtures = loadFixtures('unit-seed', defaultFixturesDir());
  const rows = fixtures.raceRows ?? [];

  it('should load every captured file', () => {
    expect([...fixtures.files.keys()].sort()).toEqual(Object.values(FIXTURE_FILES).sort());
  });

  it('should refuse to start on a missing capture, rather than fall back to generated data', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fixtures-'));
    try {
      expect(() => loadFixtures('unit-seed', join(dir, 'nowhere'))).toThrow(/KRA fixture missing: .*nowhere/);
      for (const name of Object.values(FIXTURE_FILES).filter((file) => file !== FIXTURE_FILES.trainerXml))
        copyFileSync(join(defaultFixturesDir(), name), join(dir, name));
      expect(() => loadFixtures('unit-seed', dir)).toThrow(
        `KRA fixture missing: ${join(dir, FIXTURE_FILES.trainerXml)}`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('should add an 11th runner with the same keys and race fields, a free gate and the last place', () => {
    expect(rows).toHaveLength(11);
    const [first, eleventh] = [rows[0], rows[10]];
    expect(Object.keys(eleventh)).toEqual(Object.keys(first));
    for (const field of [
      'rcDate',
      'rcNo',
      'rcDist',
      'rank',
      'meet',
      'track',
      'weather',
      'chaksun1',
      'budam',
      'ageCond',
    ])
      expect(eleventh[field]).toBe(first[field]);
    expect(rows.slice(0, 10).map((row) => row.chulNo)).not.toContain(eleventh.chulNo);
    expect(new Set(rows.map((row) => row.chulNo)).size).toBe(11);
    expect(eleventh.ord).toBe(11);
    expect(Number(eleventh.rcTime)).toBeGreaterThan(Math.max(...rows.slice(0, 10).map((row) => Number(row.rcTime))));
    expect(Object.fromEntries(Object.entries(eleventh).map(([key, value]) => [key, typeof value]))).toMatchObject(
      Object.fromEntries(
        Object.entries(first)
          .filter(([key]) => key !== 'diffUnit')
          .map(([key, value]) => [key, typeof value]),
      ),
    );
  });

  it('should make every sectional position of the 11 runners a permutation of 1..11', () => {
    for (const field of ['buS1fOrd', 'buG1fOrd', 'buG2fOrd', 'buG3fOrd', 'buG4fOrd']) {
      expect(
        rows.map((row) => Number(row[field])).sort((a, b) => a - b),
        field,
      ).toEqual(Array.from({ length: 11 }, (_, i) => i + 1));
    }
  });

  it('should serve the race capture only for page 1 of 10 rows of that race', () => {
    const race = { meet: '3', rc_date: '20250523', rc_no: '1' };
    expect(matchFixture('API214_1', race, 'json', 1, 10)).toBe(FIXTURE_FILES.raceResultJson);
    expect(matchFixture('API214_1', race, 'xml', 1, 10)).toBe(FIXTURE_FILES.raceResultXml);
    expect(matchFixture('API214_1', race, 'json', 2, 10)).toBeNull();
    expect(matchFixture('API214_1', race, 'json', 1, 100)).toBeNull();
    expect(matchFixture('API214_1', { ...race, rc_no: '2' }, 'json', 1, 10)).toBeNull();
    expect(matchFixture('API8_2', { hr_no: '0051228' }, 'json', 1, 1000)).toBe(FIXTURE_FILES.horseJson);
    expect(matchFixture('API8_2', { hr_no: '0051228', meet: '1' }, 'json', 1, 10)).toBeNull();
    expect(matchFixture('API19_1', { tr_no: '070180' }, 'xml', 1, 10)).toBe(FIXTURE_FILES.trainerXml);
  });
});
