/**
 * Delta terms of a query over weighted change rows (Z-sets), as pure SQL builders: every change row carries a
 * weight (+n inserted, −n deleted), and joins follow the delta rule Δ(R⋈S) = ΔR⋈S_old + R_new⋈ΔS,
 * generalised to n references (the i-th term reads the change of reference i, the new state of the changed
 * references before it, the old state of those after it). Old state is "current rows, plus the change with
 * its weight negated". A term's rows carry the product of its references' weights. Used by the linear
 * aggregates (plan/linear.ts) and by projections maintained row by row (plan/rows.ts).
 */
import { quoteIdent, type SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import type { QueryShape, TableRef } from './shape.js';

/**
 * The change rows of `source` with their net weight `dtlab_w` (negated for the old state), consolidated: a
 * row inserted and deleted again within the window must not be evaluated (it may be the bad row that failed
 * a refresh and was since removed). A change of inserts only has nothing to cancel, so it is read as it is
 * (grouping a large change by every column would cost more than the rest of the refresh).
 */
function weightedChange(
  family: SqlFamily,
  source: string,
  columns: string[],
  sign: 1 | -1,
  insertsOnly: boolean,
): string {
  const cols = columns.map(quoteIdent).join(', ');
  const { changeTable, since } = dialectOf(family).capture;
  const table = changeTable(source);
  const neg = sign === 1 ? '' : '-';
  if (insertsOnly) return `SELECT ${cols}, ${neg}_w AS dtlab_w FROM ${table} WHERE ${since} AND _w > 0`;
  return `SELECT ${cols}, ${neg}sum(_w) AS dtlab_w FROM ${table} WHERE ${since} GROUP BY ${cols} HAVING sum(_w) <> 0`;
}

const qualifier = (ref: TableRef) => ref.alias ?? quoteIdent(ref.name);
const derivedAs = (ref: TableRef, rows: string) =>
  ref.alias ? `(${rows})` : `(${rows}) AS ${quoteIdent(ref.name)}`;

export interface DeltaInput {
  family: SqlFamily;
  /** Each changed source, with its columns. */
  changed: ReadonlyMap<string, string[]>;
  /** Changed sources whose change deleted nothing. */
  insertsOnly: ReadonlySet<string>;
}

/**
 * One `SELECT <select(weight)> FROM …` per changed reference among `tables`, over `text` (the query, or an
 * edit of it that keeps every position) from its FROM to what follows GROUP BY. Positions bind as `$1`.
 */
export function deltaTerms(
  query: string,
  text: string,
  shape: QueryShape,
  tables: TableRef[],
  input: DeltaInput,
  select: (weight: string) => string,
): string[] {
  const { family, changed, insertsOnly } = input;
  const refs = tables.filter((r) => changed.has(r.name));
  return refs.map((_ref, n) => {
    const edits: { start: number; end: number; text: string }[] = [];
    const weights: string[] = [];
    refs.forEach((other, m) => {
      if (m < n) return; // the new state: the table as it is
      const columns = changed.get(other.name) as string[];
      const only = insertsOnly.has(other.name);
      const rows =
        m === n
          ? weightedChange(family, other.name, columns, 1, only)
          : `SELECT ${columns.map(quoteIdent).join(', ')}, 1 AS dtlab_w FROM ${quoteIdent(other.name)} UNION ALL ${weightedChange(family, other.name, columns, -1, only)}`;
      edits.push({ start: other.start, end: other.end, text: derivedAs(other, rows) });
      weights.push(`${qualifier(other)}.dtlab_w`);
    });
    let edited = text;
    for (const e of edits.sort((a, b) => b.start - a.start))
      edited = edited.slice(0, e.start) + e.text + edited.slice(e.end);
    const shift = edited.length - query.length;
    return `SELECT ${select(weights.join(' * '))} FROM ${edited.slice(shape.fromStart, shape.tailStart + shift)}`;
  });
}
