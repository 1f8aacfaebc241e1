import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/** The captured gateway responses, beside the repository in ../shared (KRA_FIXTURES_DIR overrides). */
export const KRA_FIXTURES_DIR = process.env.KRA_FIXTURES_DIR ?? resolve(__dirname, '../../../../shared/kra/fixtures');

export function readFixture(name: string): string {
  return readFileSync(resolve(KRA_FIXTURES_DIR, name), 'utf8');
}
