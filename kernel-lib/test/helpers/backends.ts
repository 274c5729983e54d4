/**
 * Every engine test runs on the three backends. Each test file gets fresh, isolated databases: a new
 * DuckDB-WASM instance, a new in-memory PGlite, and a new database on the PostgreSQL server (dropped after).
 * The server leg never skips: if the server is unreachable the tests fail.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Backend } from '../../src/backends/backend.js';
import { openBackend } from '../../src/backends/open.js';
import { pgConfig } from '../../src/backends/postgres.js';

export const BACKEND_KINDS = ['duckdb', 'pglite', 'postgres'] as const;
export type BackendKind = (typeof BACKEND_KINDS)[number];

export const TEST_PG_URL = process.env.DTLAB_TEST_PG_URL ?? 'postgresql://127.0.0.1:5432/test';

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export async function freshBackend(kind: BackendKind): Promise<Backend> {
  if (kind !== 'postgres') return openBackend(kind);
  const name = `dtlab_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client(pgConfig(TEST_PG_URL));
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const backend = await openBackend(withDatabase(TEST_PG_URL, name));
  const close = backend.close.bind(backend);
  backend.close = async () => {
    await close();
    const a = new pg.Client(pgConfig(TEST_PG_URL));
    await a.connect();
    try {
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await a.end();
    }
  };
  return backend;
}

/** A second connection to the same server database (for concurrency tests). */
export function serverUrlOf(backend: Backend): string | undefined {
  return 'url' in backend ? String((backend as { url: string }).url) : undefined;
}
