import { defaultFixturesDir, FIXTURE_FILES } from '@app/kra-sandbox';
import { load } from 'js-yaml';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..');
const read = (path: string): string => readFileSync(join(ROOT, path), 'utf8');

/** Every file of the repository as committed or about to be (tracked and untracked, not ignored). */
function repositoryFiles(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return out.split('\0').filter((path) => path !== '' && existsSync(join(ROOT, path)));
}

const TEXT_FILE = /\.(ts|mts|mjs|js|json|md|ya?ml|sh|example)$|(^|\/)(Dockerfile|run|\.dockerignore|\.gitignore)$/;

/**
 * Places where a file names a path outside the repository: a relative path literal ('../x',
 * join(__dirname, '..', '..')) that climbs above the root from the file's folder, or a folder
 * that only exists beside a checkout.
 */
function outsideReferences(path: string, text: string): string[] {
  const found: string[] = [];
  const folder = dirname(join(ROOT, path));
  const outside = (target: string): boolean => relative(ROOT, resolve(folder, target)).startsWith('..');
  for (const [, literal] of text.matchAll(/['"`]((?:\.\.\/)+[^'"`\s]*)['"`]/g)) {
    if (outside(literal)) found.push(literal);
  }
  for (const [segments] of text.matchAll(/(?:['"]\.\.['"]\s*,\s*)+['"]\.\.['"]/g)) {
    const ups = segments.match(/\.\./g)?.length ?? 0;
    if (outside('../'.repeat(ups))) found.push(segments);
  }
  for (const [hit] of text.matchAll(/\.\.\/shared\b|\/work\/shared\b|'shared',\s*'kra'/g)) found.push(hit);
  return found;
}

describe('the repository', () => {
  it('should refer to no path outside itself, in code, tests, scripts or docs', () => {
    const offenders: string[] = [];
    for (const path of repositoryFiles().filter((file) => TEXT_FILE.test(file) && file !== 'package-lock.json')) {
      if (path === 'test/repository.e2e-spec.ts') continue; // the patterns above
      for (const reference of outsideReferences(path, read(path))) offenders.push(`${path}: ${reference}`);
    }
    expect(offenders).toEqual([]);
  });

  it('should catch the forms of outside path it looks for', () => {
    expect(outsideReferences('libs/x/src/a.ts', "resolve(__dirname, '../../../../outside/kra/fixtures')")).not.toEqual(
      [],
    );
    expect(outsideReferences('libs/x/src/a.ts', "join(__dirname, '..', '..', '..', '..', 'data')")).not.toEqual([]);
    // The folder beside a checkout, named in pieces so that this file does not itself name it.
    const beside = ['..', 'shared'].join('/');
    expect(outsideReferences('test/a.ts', `resolve(process.cwd(), '${beside}/kra/fixtures')`)).not.toEqual([]);
    expect(outsideReferences('libs/x/src/a.ts', "join(__dirname, '../fixtures'); join(__dirname, '..', '..')")).toEqual(
      [],
    );
  });

  it('should hold every captured KRA response it uses, where the sandbox and the image look for them', () => {
    expect(relative(ROOT, defaultFixturesDir())).toBe('libs/kra-sandbox/fixtures');
    for (const name of Object.values(FIXTURE_FILES))
      expect(existsSync(join(defaultFixturesDir(), name)), name).toBe(true);
    expect(read('Dockerfile')).toMatch(
      /^COPY --from=build \/app\/libs\/kra-sandbox\/fixtures \.\/libs\/kra-sandbox\/fixtures$/m,
    );
  });
});

/** Settings of .env.example, less the standalone sandbox's (the API and the worker do not read those). */
function exampleSettings(): string[] {
  const text = read('.env.example');
  const appPart = text.slice(0, text.indexOf('# Standalone KRA sandbox'));
  return [...appPart.matchAll(/^#?\s?([A-Z][A-Z0-9_]+)=/gm)].map(([, name]) => name).sort();
}

interface ComposeService {
  environment?: Record<string, string | number | boolean>;
  ports?: string[];
  command?: string[];
}

describe('docker-compose.yml', () => {
  const compose = load(read('docker-compose.yml')) as { services: Record<string, ComposeService> };

  it.each(['api', 'worker'])(
    'should pass every setting of .env.example to the %s, from the caller’s environment',
    (service) => {
      // YAML merge keys (`<<: *app-environment`), resolved as Compose does: the service's own win.
      const { '<<': merged, ...own } = (compose.services[service].environment ?? {}) as Record<string, unknown>;
      const environment = { ...(merged as Record<string, unknown>), ...own };
      const names = exampleSettings();
      expect(names.length).toBeGreaterThan(50);
      expect(Object.keys(environment).sort()).toEqual(names);
      // Each value comes from the variable of the same name (the worker's migration switch excepted:
      // only the API migrates).
      const fixed = Object.entries(environment).filter(
        ([name, value]) => !String(value).startsWith(`\${${name}:-`) && !String(value).startsWith(`\${${name}}`),
      );
      expect(fixed.map(([name]) => name)).toEqual(service === 'worker' ? ['DATABASE_RUN_MIGRATIONS'] : []);
    },
  );

  it('should run the API and the worker with the Node flags of the npm scripts, as the image does', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const command = (script: string): string[] => ['node', ...script.split(' ').slice(1)];
    expect(compose.services.api.command).toEqual(command(scripts['start:api']));
    expect(compose.services.worker.command).toEqual(command(scripts['start:worker']));
    const [, imageCommand] = /^CMD (\[.*\])$/m.exec(read('Dockerfile')) ?? [];
    expect(JSON.parse(imageCommand)).toEqual(command(scripts['start:api']));
  });

  it('should publish the ports the settings name', () => {
    expect(compose.services.api.ports).toEqual(['${PORT:-3000}:${PORT:-3000}']);
    expect(compose.services.worker.ports).toEqual(['${WORKER_PORT:-3001}:${WORKER_PORT:-3001}']);
  });
});
