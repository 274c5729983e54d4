/** Snowflake column types in a DT's column list → the family's (docs/sql-dialect.md, "Column types"). */
import type { SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';

/** Snowflake column types → the family's. Unknown types pass through for the backend to judge. */
export function translateType(type: string, family: SqlFamily): string {
  const m = /^\s*([A-Za-z_][A-Za-z_0-9]*)\s*(\(.*\))?\s*$/s.exec(type);
  if (!m) return type;
  const base = (m[1] as string).toUpperCase();
  const args = m[2] ?? '';
  const { types } = dialectOf(family);
  switch (base) {
    case 'NUMBER':
    case 'NUMERIC':
    case 'DECIMAL':
      return `${types.decimal}${args || '(38,0)'}`;
    case 'STRING':
    case 'TEXT':
      return 'VARCHAR';
    case 'FLOAT':
    case 'FLOAT4':
    case 'FLOAT8':
    case 'DOUBLE':
    case 'REAL':
      return types.double;
    case 'TIMESTAMP_NTZ':
    case 'DATETIME':
      return `TIMESTAMP${args}`;
    case 'TIMESTAMP_LTZ':
    case 'TIMESTAMP_TZ':
      return `TIMESTAMPTZ${args}`;
    case 'BINARY':
    case 'VARBINARY':
      return types.binary;
    default:
      return type.trim();
  }
}
