import 'reflect-metadata';
import { CollectionModule, CollectionReport, CollectionService } from '@app/collection';
import { createLogger, exitAfterFlush, NestPinoLogger } from '@app/common';
import { AppConfig, ConfigModule, loadConfigOrExit } from '@app/config';
import { DatabaseModule, ensureDatabaseExists } from '@app/database';
import { KraClientModule } from '@app/kra-client';
import { KraUpstreamModule } from '@app/kra-sandbox';
import { MonitoringModule } from '@app/monitoring';
import { RedisModule } from '@app/redis';
import { DynamicModule, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { parseCollectArgs, UsageError, USAGE } from './cli-args';

@Module({})
class CliModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: CliModule,
      imports: [ConfigModule.forRoot(config), DatabaseModule.forRoot('kra-cli'), RedisModule, MonitoringModule, KraClientModule.forRoot(KraUpstreamModule.forRoot()), CollectionModule],
    };
  }
}

/** A progress bar on a terminal; plain lines (one per step) when the output is a file or a pipe. */
function progressReporter(): { update: (step: string, done: number, total: number) => void; finish: () => void } {
  const tty = process.stderr.isTTY === true;
  let lastStep = '';
  return {
    update(step, done, total) {
      if (tty) {
        const width = 30;
        const filled = total > 0 ? Math.round((done / total) * width) : width;
        process.stderr.write(`\r${step.padEnd(8)} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}   `);
        if (done === total) process.stderr.write('\n');
      } else if (step !== lastStep || done === total) {
        if (done === total) process.stderr.write(`${step}: ${done}/${total} done\n`);
      }
      lastStep = step;
    },
    finish() {
      if (tty) process.stderr.write('\n');
    },
  };
}

function summary(report: CollectionReport): string {
  const lines = [
    `${report.date} meet ${report.meet}: ${report.races.length} races, ${report.races.reduce((sum, race) => sum + race.entries, 0)} runners`,
    ...report.races.map(
      (race) => `  race ${String(race.raceNo).padStart(2)}  ${race.status.padEnd(9)} entries ${race.entries}  details ${race.details}  results ${race.results}  dividends ${race.dividends}`,
    ),
    `  upstream calls: ${Object.entries(report.calls).map(([service, calls]) => `${service} ${calls}`).join(', ') || 'none'}`,
    ...report.failures.map((failure) => `  FAILED ${failure.scope}: ${failure.reason}`),
    report.ok ? 'ok' : `${report.failures.length} failure(s)`,
  ];
  return `${lines.join('\n')}\n`;
}

/** `npm run cli -- collect --date 2025-06-22 --meet 1 [--results] [--no-details]` */
async function main(): Promise<void> {
  let args;
  try {
    args = parseCollectArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    process.exit(error instanceof UsageError && error.help ? 0 : 2);
  }
  const config = loadConfigOrExit();
  const logger = createLogger(config.log.level === 'info' ? 'warn' : config.log.level, undefined);
  try {
    if (config.database.createIfMissing) await ensureDatabaseExists(config.database.url);
    const app = await NestFactory.createApplicationContext(CliModule.forRoot(config), { logger: new NestPinoLogger(logger), abortOnError: false });
    const progress = progressReporter();
    const report = await app.get(CollectionService).collectDay({ ...args, onProgress: progress.update });
    progress.finish();
    await app.close();
    process.stderr.write(summary(report));
    process.stdout.write(`${JSON.stringify(report)}\n`);
    exitAfterFlush(logger, report.ok ? 0 : 1);
  } catch (error) {
    logger.fatal({ err: error }, 'Collection failed');
    exitAfterFlush(logger, 1);
  }
}

void main();
