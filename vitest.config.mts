import { resolve } from 'node:path';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const lib = (name: string): string => resolve(import.meta.dirname, `libs/${name}/src/index.ts`);

export default defineConfig({
  plugins: [
    // SWC, unlike esbuild, emits the decorator metadata Nest's dependency injection reads.
    swc.vite({
      module: { type: 'es6' },
      jsc: {
        target: 'es2022',
        parser: { syntax: 'typescript', decorators: true },
        transform: { legacyDecorator: true, decoratorMetadata: true },
      },
    }),
  ],
  resolve: {
    alias: {
      '@app/config': lib('config'),
      '@app/common': lib('common'),
      '@app/database': lib('database'),
      '@app/redis': lib('redis'),
      '@app/auth': lib('auth'),
      '@app/monitoring': lib('monitoring'),
      '@app/kra-client': lib('kra-client'),
      '@app/kra-sandbox': lib('kra-sandbox'),
      '@app/cache': lib('cache'),
      '@app/collection': lib('collection'),
      '@app/jobs': lib('jobs'),
      '@app/legacy': lib('legacy'),
    },
  },
  test: {
    include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts', 'test/**/*.e2e-spec.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
