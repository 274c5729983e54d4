/** What PGlite and the PostgreSQL server share: value parsing, type names and error mapping. */
import { BackendError, parseInt8, type ResultColumn, type Value } from './backend.js';

const identity = (s: string) => s;

/** Type OID → text parser. Dates and timestamps stay text so no local time zone creeps in. */
export const PG_PARSERS: Record<number, (text: string) => Value> = {
  16: (s) => s === 't' || s === 'true',
  20: parseInt8,
  21: Number,
  23: Number,
  26: Number,
  700: Number,
  701: Number,
  1700: identity,
  1082: identity,
  1083: identity,
  1114: identity,
  1184: identity,
  1186: identity,
  114: identity,
  3802: identity,
};

const PG_TYPE_NAMES: Record<number, string> = {
  16: 'boolean',
  20: 'bigint',
  21: 'smallint',
  23: 'integer',
  25: 'text',
  26: 'oid',
  114: 'json',
  700: 'real',
  701: 'double precision',
  1042: 'char',
  1043: 'varchar',
  1082: 'date',
  1083: 'time',
  1114: 'timestamp',
  1184: 'timestamptz',
  1186: 'interval',
  1700: 'numeric',
  2950: 'uuid',
  3802: 'jsonb',
};

export function pgColumns(fields: { name: string; dataTypeID: number }[]): ResultColumn[] {
  return fields.map((f) => ({ name: f.name, type: PG_TYPE_NAMES[f.dataTypeID] ?? `oid ${f.dataTypeID}` }));
}

/** Values the drivers did not parse (types we have no parser for) become text. */
export function normaliseRow(row: unknown[]): Value[] {
  return row.map((v) => {
    if (v === null || v === undefined) return null;
    if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint')
      return v;
    if (v instanceof Uint8Array) return `\\x${Buffer.from(v).toString('hex')}`;
    return typeof v === 'object' ? JSON.stringify(v) : String(v);
  });
}

/** pg and PGlite errors carry `position` (1-based, as text) and `code` (SQLSTATE). */
export function toBackendError(e: unknown): BackendError {
  if (e instanceof BackendError) return e;
  const err = e as { message?: string; position?: string | number; code?: string };
  const position = err.position === undefined ? undefined : Number(err.position) - 1;
  return new BackendError(
    err.message ?? String(e),
    Number.isFinite(position) ? position : undefined,
    err.code,
  );
}

export function isolationSql(isolation: string | undefined): string {
  return isolation ? `SET TRANSACTION ISOLATION LEVEL ${isolation.toUpperCase()}` : '';
}
