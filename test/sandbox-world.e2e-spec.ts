import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const STATS = resolve(__dirname, '../dist/apps/kra-sandbox/src/stats.js');

describe('npm run sandbox:stats', () => {
  it("should print the world's statistics over a period", () => {
    const run = spawnSync(
      process.execPath,
      [STATS, '--from', '2022-03-01', '--to', '2022-03-31', '--seed', 'stats-test'],
      {
        encoding: 'utf8',
      },
    );
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^world seed stats-test, simulated from 20220101 to 20220331/);
    expect(run.stdout).toMatch(/races \d+ \(and \d+ cancelled\), runners \d+, mean field \d+\.\d\d/);
    expect(run.stdout).toMatch(/market favourite: wins \d+\.\d%, top 3 \d+\.\d%/);
    expect(run.stdout).toMatch(/top-rated runner wins \d+\.\d%/);
    expect(run.stdout).toMatch(/ {2}30\+ +\d+ runners/);
    expect(run.stdout).toContain('market calibration error (ECE, 10 bins)');
    expect(run.stdout).toContain('first starters');
  });

  it('should refuse a period it cannot show, with exit code 2', () => {
    for (const args of [
      [],
      ['--from', '2021-12-31', '--to', '2022-01-31'],
      ['--from', '2022-02-01', '--to', '2022-01-01'],
    ]) {
      const run = spawnSync(process.execPath, [STATS, ...args], { encoding: 'utf8' });
      expect(run.status).toBe(2);
      expect(run.stderr).toMatch(/--(from|to)/);
    }
  });
});
