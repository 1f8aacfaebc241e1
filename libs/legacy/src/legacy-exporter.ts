import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { LegacyKind, legacyFilePath, legacyFileText } from './legacy-files';
import { hasLegacyEnriched, LegacyRaceBuilder, LegacyRaceFilter, legacyRaceEnvelope } from './legacy-race.builder';

export interface LegacyExportOptions extends LegacyRaceFilter {
  /** Called after each race, for a progress bar. */
  onProgress?: (done: number, total: number) => void;
}

export interface LegacyExportFailure {
  /** `YYYY-MM-DD meet M race N` */
  race: string;
  reason: string;
}

export interface LegacyExportReport {
  from: string;
  to: string;
  meet: number | null;
  /** Races exported (each has a `_prerace` file). */
  races: number;
  /** Of those, races that also have an `_enriched` file. */
  enriched: number;
  /** Files created or changed. */
  filesWritten: number;
  /** Files that already held exactly these bytes, left untouched. */
  filesUnchanged: number;
  failures: LegacyExportFailure[];
  ok: boolean;
}

/**
 * Writes the legacy file tree for a date range: `_prerace` for every race with runners, `_enriched`
 * as well where some runner has a pre-race snapshot. Races are read one at a time; each file is
 * written to a temporary name and renamed, so a reader never sees half a file, and a file that
 * already holds the same bytes is left alone. A race that fails is reported and skipped.
 */
@Injectable()
export class LegacyExporter {
  constructor(private readonly builder: LegacyRaceBuilder) {}

  async export(root: string, options: LegacyExportOptions): Promise<LegacyExportReport> {
    const filter: LegacyRaceFilter = { from: options.from, to: options.to, meet: options.meet };
    const report: LegacyExportReport = {
      from: options.from,
      to: options.to,
      meet: options.meet ?? null,
      races: 0,
      enriched: 0,
      filesWritten: 0,
      filesUnchanged: 0,
      failures: [],
      ok: true,
    };
    const total = await this.builder.countRaces(filter);
    let done = 0;
    for await (const ref of this.builder.races(filter)) {
      try {
        const data = await this.builder.load(ref.date, ref.meet, ref.raceNo);
        // Listed, then gone or left without runners by a concurrent write: nothing to export.
        if (data && data.runners.length > 0) {
          const kinds: LegacyKind[] = hasLegacyEnriched(data) ? ['prerace', 'enriched'] : ['prerace'];
          for (const kind of kinds) {
            const path = join(root, legacyFilePath({ ...ref, kind }));
            if (await writeFileAtomically(path, legacyFileText(legacyRaceEnvelope(data, kind))))
              report.filesWritten += 1;
            else report.filesUnchanged += 1;
          }
          report.races += 1;
          if (kinds.length > 1) report.enriched += 1;
        }
      } catch (error) {
        report.failures.push({
          race: `${ref.date} meet ${ref.meet} race ${ref.raceNo}`,
          reason: error instanceof Error ? error.message : String(error),
        });
      }
      options.onProgress?.((done += 1), Math.max(total, done));
    }
    report.ok = report.failures.length === 0;
    return report;
  }
}

/** Writes `text` to `path` through a temporary file and a rename; false when the file already held it. */
export async function writeFileAtomically(path: string, text: string): Promise<boolean> {
  const current = await readFile(path, 'utf8').catch(() => null);
  if (current === text) return false;
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, 'utf8');
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  return true;
}
