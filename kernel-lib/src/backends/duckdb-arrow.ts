/**
 * DuckDB-WASM's Arrow results → rows (`DuckDbBackend`'s reads): each column's SQL type name and each value as
 * a Value (HUGEINT as the integer it is, DECIMAL as exact text, dates and timestamps as text). The inverse of
 * arrow-rows.ts. Pure: no I/O.
 */
import { formatDate, formatTimestamp, type ResultColumn, type Value } from './backend.js';

/** The slice of Apache Arrow we read; typed structurally so we need not depend on arrow's own types. */
interface ArrowType {
  typeId: number;
  scale?: number;
  precision?: number;
  bitWidth?: number;
  isSigned?: boolean;
  timezone?: string | null;
  toString(): string;
}
export interface ArrowTable {
  numRows: number;
  schema: { fields: { name: string; type: ArrowType }[] };
  getChildAt(i: number): { get(row: number): unknown } | null;
}

// Arrow's Type enum values (stable across arrow versions).
const T = {
  Int: 2,
  Float: 3,
  Binary: 4,
  Utf8: 5,
  Bool: 6,
  Decimal: 7,
  Date: 8,
  Time: 9,
  Timestamp: 10,
} as const;

function typeName(t: ArrowType): string {
  switch (t.typeId) {
    case T.Int:
      return { 8: 'tinyint', 16: 'smallint', 32: 'integer', 64: 'bigint' }[t.bitWidth ?? 32] ?? 'integer';
    case T.Float:
      return String(t).includes('32') ? 'float' : 'double';
    case T.Utf8:
      return 'varchar';
    case T.Bool:
      return 'boolean';
    case T.Decimal:
      return isHugeint(t) ? 'hugeint' : `decimal(${t.precision},${t.scale})`;
    case T.Date:
      return 'date';
    case T.Timestamp:
      return t.timezone ? 'timestamptz' : 'timestamp';
    case T.Binary:
      return 'blob';
    default:
      return String(t).toLowerCase();
  }
}

/**
 * DuckDB ships HUGEINT (what SUM of integers returns) as Arrow Decimal(38,0); read it as the integer it is,
 * like PostgreSQL's bigint. (A column declared DECIMAL(38,0) reads the same way.)
 */
function isHugeint(t: ArrowType): boolean {
  return t.typeId === T.Decimal && t.scale === 0 && t.precision === 38;
}

function decimalText(unscaled: string, scale: number): string {
  if (scale === 0) return unscaled;
  const negative = unscaled.startsWith('-');
  const digits = (negative ? unscaled.slice(1) : unscaled).padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function convert(v: unknown, t: ArrowType): Value {
  if (v === null || v === undefined) return null;
  switch (t.typeId) {
    case T.Decimal: {
      const text = decimalText(String(v), t.scale ?? 0);
      if (!isHugeint(t)) return text;
      const n = Number(text);
      return Number.isSafeInteger(n) ? n : BigInt(text);
    }
    case T.Date:
      return formatDate(v as number);
    case T.Timestamp:
      return formatTimestamp(v as number);
    case T.Int:
      return typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : (v as number | bigint);
    case T.Bool:
    case T.Utf8:
    case T.Float:
      return v as Value;
    default:
      return typeof v === 'object'
        ? JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? String(x) : x))
        : String(v);
  }
}

export function toRows(table: ArrowTable): { columns: ResultColumn[]; rows: Value[][] } {
  const fields = table.schema.fields;
  const columns = fields.map((f) => ({ name: f.name, type: typeName(f.type) }));
  const vectors = fields.map((_f, i) => table.getChildAt(i));
  const rows: Value[][] = new Array(table.numRows);
  for (let r = 0; r < table.numRows; r++) {
    const row: Value[] = new Array(fields.length);
    for (let c = 0; c < fields.length; c++)
      row[c] = convert(vectors[c]?.get(r), (fields[c] as { type: ArrowType }).type);
    rows[r] = row;
  }
  return { columns, rows };
}
