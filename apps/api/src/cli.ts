import 'reflect-metadata';
import { isRaceDayOver } from '@app/calendar';
import { CollectionModule, CollectionReport, CollectionService } from '@app/collection';
import { AppLogger, createLogger, exitAfterFlush, NestPinoLogger } from '@app/common';
import { AppConfig, ConfigModule, loadConfigOrExit } from '@app/config';
import { DatabaseModule, ensureDatabaseExists } from '@app/database';
import { KraClientModule } from '@app/kra-client';
import { KraUpstreamModule } from '@app/kra-sandbox';
import {
  LegacyExporter,
  LegacyExportModule,
  LegacyExportReport,
  LegacyImporter,
  LegacyImportModule,
  LegacyImportProgress,
  LegacyImportReport,
} from '@app/legacy';
import { MonitoringModule } from '@app/monitoring';
import { RedisModule } from '@app/redis';
import { DynamicModule, INestApplicationContext, Module, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  CliCommand,
  CollectArgs,
  CommonArgs,
  ExportLegacyArgs,
  ImportLegacyArgs,
  LegacyCollectArgs,
  parseCliArgs,
  UsageError,
  USAGE,
} from './cli-args';
import { CliOutput } from './cli-output';

/** The collector's modules; legacy-collect adds the export's. */
@Module({})
class CliModule {
  static forRoot(config: AppConfig, extra: Type[] = []): DynamicModule {
    return {
      module: CliModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule.forRoot('kra-cli'),
        RedisModule,
        MonitoringModule,
        KraClientModule.forRoot(KraUpstreamModule.forRoot()),
        CollectionModule,
        ...extra,
      ],
    };
  }
}

/** The export reads only PostgreSQL: no Redis, no KRA client. */
@Module({})
class ExportCliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ExportCliModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot('kra-cli'), LegacyExportModule],
    };
  }
}

/** The import writes PostgreSQL and drops cached reads of the days it wrote (Redis); no KRA client. */
@Module({})
class ImportCliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: ImportCliModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot('kra-cli'), RedisModule, LegacyImportModule],
    };
  }
}

function bar(done: number, total: number): string {
  const width = 30;
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}

/** A progress bar per step on a terminal; a plain line per finished step when stderr is a file or a pipe. */
function progressReporter(out: CliOutput): {
  update: (step: string, done: number, total: number) => void;
  finish: () => void;
} {
  return {
    update(step, done, total) {
      if (out.tty) {
        out.drawBar(`${step.padEnd(8)} ${bar(done, total)} ${done}/${total}`);
        if (done === total) out.endBar();
      } else if (done === total) {
        out.line(`${step}: ${done}/${total} done`);
      }
    },
    finish: () => out.endBar(),
  };
}

function summary(report: CollectionReport): string {
  const lines = [
    `${report.date} meet ${report.meet}: ${report.races.length} races, ${report.races.reduce((sum, race) => sum + race.entries, 0)} runners`,
    ...report.races.map(
      (race) =>
        `  race ${String(race.raceNo).padStart(2)}  ${race.status.padEnd(9)} entries ${race.entries}  details ${race.details}  results ${race.results}  dividends ${race.dividends}`,
    ),
    `  upstream calls: ${
      Object.entries(report.calls)
        .map(([service, calls]) => `${service} ${calls}`)
        .join(', ') || 'none'
    }`,
    ...report.failures.map((failure) => `  FAILED ${failure.scope}: ${failure.reason}`),
    report.ok ? 'ok' : `${report.failures.length} failure(s)`,
  ];
  return `${lines.join('\n')}\n`;
}

function exportSummary(report: LegacyExportReport, root: string): string {
  const lines = [
    `export-legacy ${report.from}..${report.to} meet ${report.meet ?? '1, 2, 3'} into ${root}`,
    `  races ${report.races} (with _enriched ${report.enriched}), files written ${report.filesWritten}, unchanged ${report.filesUnchanged}`,
    ...report.failures.map((failure) => `  FAILED ${failure.race}: ${failure.reason}`),
    report.ok ? 'ok' : `${report.failures.length} failure(s)`,
  ];
  return `${lines.join('\n')}\n`;
}

/** What a command runs in its Nest context, and how its report reads. */
interface ReportingCommand<Report extends { ok: boolean }> {
  /** Where the progress, log lines and summary go, and whether the JSON report goes to stdout. */
  out: CliOutput;
  json: boolean;
  module: DynamicModule;
  /** Commands that write create the database first when the configuration says so. */
  createsDatabase: boolean;
  /** The fatal log line when the command throws. */
  failureMessage: string;
  /** The progress display the command updates: finished (its bar's line ended) before the summary. */
  progress: { finish: () => void };
  run: (app: INestApplicationContext) => Promise<Report>;
  summary: (report: Report) => string;
}

/**
 * Runs a command in a Nest context of its own: the summary goes to stderr, and the report, as JSON, to
 * stdout when asked for (--json) or when stdout is not a terminal (a pipe, a file: another program
 * reads it). Exits 0 when the report is ok, 1 when it is not or the command threw.
 */
async function runReportingCommand<Report extends { ok: boolean }>(
  command: ReportingCommand<Report>,
  config: AppConfig,
  logger: AppLogger,
): Promise<void> {
  try {
    if (command.createsDatabase && config.database.createIfMissing) await ensureDatabaseExists(config.database.url);
    const app = await NestFactory.createApplicationContext(command.module, {
      logger: new NestPinoLogger(logger),
      abortOnError: false,
    });
    const report = await command.run(app);
    command.progress.finish();
    await app.close();
    command.out.write(command.summary(report));
    if (command.json || process.stdout.isTTY !== true) process.stdout.write(`${JSON.stringify(report)}\n`);
    exitAfterFlush(logger, report.ok ? 0 : 1);
  } catch (error) {
    command.progress.finish();
    logger.fatal({ err: error }, command.failureMessage);
    exitAfterFlush(logger, 1);
  }
}

/** What every command runs with: its output and its logger. */
interface CliContext {
  out: CliOutput;
  logger: AppLogger;
}

/** `npm run cli -- export-legacy <dir> --from YYYY-MM-DD --to YYYY-MM-DD [--meet 1|2|3]` */
async function exportLegacy(
  args: ExportLegacyArgs & CommonArgs,
  config: AppConfig,
  { logger, out }: CliContext,
): Promise<void> {
  const root = resolve(args.dir);
  // A bar on a terminal; off it, a line every 10 % of the races rather than one at the very end.
  const progress = progressReporter(out);
  let tenths = 0;
  const onProgress = (done: number, total: number): void => {
    if (out.tty) return progress.update('export', done, total);
    const reached = Math.floor((done / total) * 10);
    if (reached > tenths) out.line(`export: ${done}/${total} races (${(tenths = reached) * 10}%)`);
  };
  await runReportingCommand(
    {
      out,
      json: args.json,
      module: ExportCliModule.forRoot(config),
      // The export only reads: a missing database is an error, not something to create.
      createsDatabase: false,
      failureMessage: 'Export failed',
      progress,
      run: (app) => app.get(LegacyExporter).export(root, { from: args.from, to: args.to, meet: args.meet, onProgress }),
      summary: (report) => exportSummary(report, root),
    },
    config,
    logger,
  );
}

/** The import's progress: a bar on a terminal (redrawn at most 10 times a second), else a line every 5 % of the files. */
function importProgressReporter(out: CliOutput): {
  update: (progress: LegacyImportProgress) => void;
  finish: () => void;
} {
  let drawnAt = 0;
  let step = 0;
  return {
    update({ filesDone, filesTotal, imported, unchanged, failed }) {
      const counts = `${filesDone}/${filesTotal} files  imported ${imported}  unchanged ${unchanged}  failed ${failed}`;
      if (out.tty) {
        if (Date.now() - drawnAt < 100 && filesDone < filesTotal) return;
        drawnAt = Date.now();
        out.drawBar(`import   ${bar(filesDone, filesTotal)} ${counts}`);
        return;
      }
      const reached = filesTotal > 0 ? Math.floor((filesDone / filesTotal) * 20) : 20;
      if (reached > step) {
        step = reached;
        out.line(`import: ${counts} (${reached * 5}%)`);
      }
    },
    finish: () => out.endBar(),
  };
}

function importSummary(report: LegacyImportReport): string {
  const lines = [
    `import-legacy ${report.root}${report.dryRun ? ' (dry run: nothing written)' : ''}: ${report.files} files, ${report.races} races in ${(report.durationMs / 1000).toFixed(1)} s`,
    `  ${report.dryRun ? 'would import' : 'imported'} ${report.imported}, skipped as unchanged ${report.unchanged}, failed ${report.failed}`,
    ...report.skipped.map((skip) => `  SKIPPED ${skip.path}: ${skip.reason}`),
    ...report.warnings.map(
      (warning) =>
        `  WARNING ${warning.path} chulNo ${warning.chulNo ?? '?'} ${warning.field} ${JSON.stringify(warning.value)}: ${warning.reason}`,
    ),
    ...(report.warningCount > report.warnings.length
      ? [`  … and ${report.warningCount - report.warnings.length} more warning(s)`]
      : []),
    ...report.failures.map((failure) => `  FAILED ${failure.path}: ${failure.reason}`),
    report.ok
      ? `ok${report.warningCount > 0 ? ` (${report.warningCount} warning(s))` : ''}`
      : `${report.failures.length} failure(s)`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `npm run cli -- import-legacy <dir> [--dry-run] [--concurrency N]` */
async function importLegacy(
  args: ImportLegacyArgs & CommonArgs,
  config: AppConfig,
  { logger, out }: CliContext,
): Promise<void> {
  const isDirectory = await stat(args.dir).then(
    (stats) => stats.isDirectory(),
    () => false,
  );
  if (!isDirectory) {
    out.write(`import-legacy: "${args.dir}" is not a directory\n\n${USAGE}`);
    exitAfterFlush(logger, 2);
    return;
  }
  const progress = importProgressReporter(out);
  await runReportingCommand(
    {
      out,
      json: args.json,
      module: ImportCliModule.forRoot(config),
      createsDatabase: true,
      failureMessage: 'Import failed',
      progress,
      run: (app) =>
        app
          .get(LegacyImporter)
          .import(args.dir, { dryRun: args.dryRun, concurrency: args.concurrency, onProgress: progress.update }),
      summary: importSummary,
    },
    config,
    logger,
  );
}

/** What legacy-collect did: the collection, then the files of the day. */
interface LegacyCollectReport {
  collection: CollectionReport;
  export: LegacyExportReport | null;
  ok: boolean;
}

/**
 * `npm run cli -- legacy-collect YYYYMMDD [MEET] [--out data/races]`, the old scripts' command:
 * collects the day (results too once it is over), then writes its files as export-legacy does.
 * The files are leakage-safe: no final odds, no guessed races, only what the card and the pre-race
 * snapshot say.
 */
async function legacyCollect(
  args: LegacyCollectArgs & CommonArgs,
  config: AppConfig,
  { logger, out }: CliContext,
): Promise<void> {
  const root = resolve(args.out);
  const progress = progressReporter(out);
  await runReportingCommand<LegacyCollectReport>(
    {
      out,
      json: args.json,
      module: CliModule.forRoot(config, [LegacyExportModule]),
      createsDatabase: true,
      failureMessage: 'Collection failed',
      progress,
      run: async (app) => {
        const collection = await app.get(CollectionService).collectDay({
          date: args.date,
          meet: args.meet,
          results: isRaceDayOver(args.date),
          onProgress: progress.update,
        });
        progress.finish();
        // Nothing to write when not even the cards came in.
        const exported =
          collection.races.length > 0
            ? await app.get(LegacyExporter).export(root, { from: args.date, to: args.date, meet: args.meet })
            : null;
        return { collection, export: exported, ok: collection.ok && exported?.ok === true };
      },
      summary: (report) =>
        `${summary(report.collection)}${report.export ? exportSummary(report.export, root) : 'no races: no files written\n'}`,
    },
    config,
    logger,
  );
}

/** `npm run cli -- collect --date 2025-06-22 --meet 1 [--results] [--no-details]` */
async function collect(args: CollectArgs & CommonArgs, config: AppConfig, { logger, out }: CliContext): Promise<void> {
  const progress = progressReporter(out);
  await runReportingCommand(
    {
      out,
      json: args.json,
      module: CliModule.forRoot(config),
      createsDatabase: true,
      failureMessage: 'Collection failed',
      progress,
      run: (app) =>
        app
          .get(CollectionService)
          .collectDay({ ...args, results: args.results ?? isRaceDayOver(args.date), onProgress: progress.update }),
      summary,
    },
    config,
    logger,
  );
}

/** `npm run cli -- collect | export-legacy | import-legacy …` (see USAGE) */
async function main(): Promise<void> {
  let args: CliCommand;
  try {
    args = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(error instanceof UsageError && error.help ? 0 : 2);
  }
  const config = loadConfigOrExit();
  // Log lines go to stderr, above the progress bar (stdout carries the report only).
  const out = new CliOutput();
  const context: CliContext = {
    out,
    logger: createLogger(config.log.level === 'info' ? 'warn' : config.log.level, out.logDestination()),
  };
  if (args.command === 'export-legacy') return exportLegacy(args, config, context);
  if (args.command === 'import-legacy') return importLegacy(args, config, context);
  if (args.command === 'legacy-collect') return legacyCollect(args, config, context);
  return collect(args, config, context);
}

void main();
