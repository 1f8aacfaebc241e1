import { Client } from 'pg';

const UNDEFINED_DATABASE = '3D000';
const DUPLICATE_DATABASE = '42P04';

/**
 * Creates the configured database when it does not exist yet, so a fresh machine starts without a
 * manual `createdb`. Connects to the server's `postgres` database to do it.
 */
export async function ensureDatabaseExists(url: string): Promise<'exists' | 'created'> {
  const probe = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await probe.connect();
    return 'exists';
  } catch (error) {
    if ((error as { code?: string }).code !== UNDEFINED_DATABASE) throw error;
  } finally {
    await probe.end().catch(() => undefined);
  }
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  target.pathname = '/postgres';
  const admin = new Client({ connectionString: target.toString(), connectionTimeoutMillis: 5_000 });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
    return 'created';
  } catch (error) {
    if ((error as { code?: string }).code === DUPLICATE_DATABASE) return 'exists';
    throw error;
  } finally {
    await admin.end();
  }
}
