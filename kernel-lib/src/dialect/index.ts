/** The dialect of a SQL family (dialect/dialect.ts). */
import type { SqlFamily } from '../backends/backend.js';
import type { Dialect } from './dialect.js';
import { duckdbDialect } from './duckdb.js';
import { postgresDialect } from './postgres.js';

export type { CaptureDialect, Dialect } from './dialect.js';

const DIALECTS: Record<SqlFamily, Dialect> = { duckdb: duckdbDialect, postgres: postgresDialect };

export const dialectOf = (family: SqlFamily): Dialect => DIALECTS[family];
