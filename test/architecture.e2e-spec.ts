import { ESLint } from 'eslint';
import { resolve } from 'node:path';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
/** `../` n times: a fixture's relative import, relative to the fixture's own path (built, so no literal climbs from this file). */
const up = (n: number): string => '../'.repeat(n);

/**
 * The repository's lint configuration, without the type-aware rules (the snippets below are files
 * no TypeScript project holds): what remains is the module boundaries.
 */
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: [{ files: ['**/*.ts'], ...tseslint.configs.disableTypeChecked }],
});

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: resolve(ROOT, filePath) });
  return result.messages
    .filter((message) => message.ruleId === 'boundaries/dependencies')
    .map((message) => message.message);
}

describe('module boundaries, enforced by npm run lint', () => {
  // One import each rule of the architecture forbids.
  it.each([
    ['libs/calendar/src/x.ts', "import { AppConfig } from '@app/config';", 'a foundation imports no other module'],
    ['libs/common/src/x.ts', "import { CacheService } from '@app/cache';", 'a foundation imports no other module'],
    ['libs/config/src/x.ts', "import { kstToday } from '@app/calendar';", 'a foundation imports no other module'],
    [
      'libs/database/src/x.ts',
      "import { CollectionService } from '@app/collection';",
      'infrastructure knows no feature',
    ],
    ['libs/cache/src/x.ts', "import { JobsService } from '@app/jobs';", 'infrastructure knows no feature'],
    [
      'libs/kra-client/src/x.ts',
      "import { dataSourceOptions } from '@app/database';",
      'the KRA client knows nothing of our database or features',
    ],
    [
      'libs/kra-client/src/x.ts',
      "import { RaceDataRepository } from '@app/collection';",
      'the KRA client knows nothing of our database or features',
    ],
    [
      'libs/collection/src/x.ts',
      "import { createKraSandbox } from '@app/kra-sandbox';",
      'only the apps and tests use the sandbox',
    ],
    ['libs/jobs/src/x.ts', "import { KraWorld } from '@app/kra-sandbox';", 'only the apps and tests use the sandbox'],
    [
      'libs/kra-sandbox/src/x.ts',
      "import { CacheService } from '@app/cache';",
      'the sandbox simulates the gateway, nothing of ours',
    ],
    [
      'libs/collection/src/x.ts',
      "import { JobsService } from '@app/jobs';",
      'collection knows neither the jobs nor the legacy bridge',
    ],
    [
      'libs/collection/src/x.ts',
      "import { LegacyImporter } from '@app/legacy';",
      'collection knows neither the jobs nor the legacy bridge',
    ],
    ['libs/redis/src/x.ts', "import { CacheService } from '@app/cache';", 'infrastructure knows no feature'],
    ['libs/monitoring/src/x.ts', "import { KRA_UPSTREAM } from '@app/kra-client';", 'infrastructure knows no feature'],
    ['libs/auth/src/x.ts', "import { RaceReadService } from '@app/collection';", 'infrastructure knows no feature'],
    [
      'libs/collection/src/x.ts',
      "import { ApiKeysService } from '@app/auth';",
      'collection builds on the KRA client and the infrastructure; routes declare access through common',
    ],
    ['libs/legacy/src/x.ts', "import { ApiKeysService } from '@app/auth';", 'the legacy bridge builds on collection'],
    [
      'libs/legacy/src/x.ts',
      "import { JobsService } from '@app/jobs';",
      'features enqueue through the port in common, never through jobs',
    ],
    [
      'libs/jobs/src/x.ts',
      "import { CollectionService } from '@app/collection';",
      'the job mechanism knows no feature and no KRA client: kinds register themselves',
    ],
    [
      'libs/jobs/src/x.ts',
      "import { KraQuotaExceededError } from '@app/kra-client';",
      'the job mechanism knows no feature and no KRA client: kinds register themselves',
    ],
    [
      'libs/legacy/src/x.ts',
      `import { RaceData } from '${up(2)}collection/src/store/race-data';`,
      'another library is imported through its index, @app/<name>, never a file inside it',
    ],
    [
      'apps/api/src/x.ts',
      `import { JobsService } from '${up(3)}libs/jobs/src/jobs.service';`,
      'another library is imported through its index, @app/<name>, never a file inside it',
    ],
  ])('%s: %s', async (filePath, code, why) => {
    const errors = await boundaryErrors(filePath, `${code}\nexport const used = [] as unknown[];\n`);
    expect(
      errors.some((message) => message.includes(`Module boundary: ${why}.`)),
      errors.join('\n'),
    ).toBe(true);
  });

  it('should let the apps, the tests and specs use the sandbox, and each library what the architecture lists', async () => {
    expect(await boundaryErrors('apps/api/src/x.ts', "import { KraUpstreamModule } from '@app/kra-sandbox';")).toEqual(
      [],
    );
    expect(await boundaryErrors('test/x.e2e-spec.ts', "import { createKraSandbox } from '@app/kra-sandbox';")).toEqual(
      [],
    );
    expect(
      await boundaryErrors('libs/kra-client/src/x.spec.ts', "import { readFixture } from '@app/kra-sandbox';"),
    ).toEqual([]);
    expect(await boundaryErrors('libs/collection/src/x.ts', "import { KraClient } from '@app/kra-client';")).toEqual(
      [],
    );
    expect(await boundaryErrors('libs/legacy/src/x.ts', "import { RaceParamsDto } from '@app/collection';")).toEqual(
      [],
    );
    expect(await boundaryErrors('libs/jobs/src/x.ts', "import { JOB_QUEUE } from '@app/common';")).toEqual([]);
    expect(await boundaryErrors('libs/config/src/x.ts', "import { API_SCOPES } from '@app/common';")).toEqual([]);
    expect(
      await boundaryErrors('libs/kra-client/src/x.ts', "import { ReadinessChecks } from '@app/monitoring';"),
    ).toEqual([]);
  });
});
