/** Snowflake column types in a DT's column list → the family's (docs/sql-dialect.md, "Column types"). */
import type { SqlFamily } from '../backends/backend.js';

/** Snowflake column types → the family's. Unknown types pass through for the backend to judge. */
export function translateType(type: string, family: SqlFamily): string {
  const m = /^\s*([A-Za-z_][A-Za-z_0-9]*)\s*(\(.*\))?\s*$/s.exec(type);
  if (!m) return type;
  const base = (m[1] as string).toUpperCase();
  const args = m[2] ?? '';
  switch (base) {
    case 'NUMBER':
    case 'NUMERIC':
    case 'DECIMAL':
      return `${family === 'duckdb' ? 'DECIMAL' : 'NUMERIC'}${args || '(38,0)'}`;
    case 'STRING':
    case 'TEXT':
      return 'VARCHAR';
    case 'FLOAT':
    case 'FLOAT4':
    case 'FLOAT8':
    case 'DOUBLE':
    case 'REAL':
      return family === 'duckdb' ? 'DOUBLE' : 'DOUBLE PRECISION';
    case 'TIMESTAMP_NTZ':
    case 'DATETIME':
      return `TIMESTAMP${args}`;
    case 'TIMESTAMP_LTZ':
    case 'TIMESTAMP_TZ':
      return `TIMESTAMPTZ${args}`;
    case 'BINARY':
    case 'VARBINARY':
      return family === 'duckdb' ? 'BLOB' : 'BYTEA';
    default:
      return type.trim();
  }
}
