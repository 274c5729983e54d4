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
  rows: number | undefined,
): string {
  const cols = columns.map(quoteIdent).join(', ');
  const { capture, boundsChangeRows } = dialectOf(family);
  const table = capture.changeTable(source);
  const neg = sign === 1 ? '' : '-';
  // At most `rows` rows (the window's count; consolidating only merges them): a bound for the planner.
  const limit = boundsChangeRows && rows !== undefined && rows > 0 ? ` LIMIT ${rows}` : '';
  if (insertsOnly)
    return `SELECT ${cols}, ${neg}_w AS dtlab_w FROM ${table} WHERE ${capture.since} AND _w > 0${limit}`;
  return `SELECT ${cols}, ${neg}sum(_w) AS dtlab_w FROM ${table} WHERE ${capture.since} GROUP BY ${cols} HAVING sum(_w) <> 0${limit}`;
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
  /** Each changed source's change rows in the refresh's window (refresh/decide.ts `changes`). */
  rows?: Readonly<Record<string, number>>;
}

/**
 * A term's old state of a later reference is split in two where there are few of them: its rows as they are
 * (the table itself, whose index a database can use to join the change) and its change negated. Beyond
 * this many later references (2^n parts each), the old state is read as one union.
 */
const MAX_SPLIT = 2;

/**
 * `SELECT <select(weight)> FROM …` terms over `text` (the query, or an edit of it that keeps every position)
 * from its FROM to what follows GROUP BY: per changed reference among `tables`, its change joined with the
 * new state of the changed references before it and the old state of those after it. Joins and filters are
 * linear in each reference's rows (inner joins only), so an old state (current rows ⊎ the change negated) may
 * be read as two terms. Positions bind as `$1`.
 */
export function deltaTerms(
  query: string,
  text: string,
  shape: QueryShape,
  tables: TableRef[],
  input: DeltaInput,
  select: (weight: string) => string,
): string[] {
  const { family, changed, insertsOnly, rows } = input;
  const refs = tables.filter((r) => changed.has(r.name));
  const change = (ref: TableRef, sign: 1 | -1) =>
    weightedChange(
      family,
      ref.name,
      changed.get(ref.name) as string[],
      sign,
      insertsOnly.has(ref.name),
      rows?.[ref.name],
    );
  const term = (reads: [TableRef, string][]) => {
    let edited = text;
    for (const [ref, rows] of [...reads].sort(([a], [b]) => b.start - a.start))
      edited = edited.slice(0, ref.start) + derivedAs(ref, rows) + edited.slice(ref.end);
    const shift = edited.length - query.length;
    const weight = reads.map(([ref]) => `${qualifier(ref)}.dtlab_w`).join(' * ');
    return `SELECT ${select(weight)} FROM ${edited.slice(shape.fromStart, shape.tailStart + shift)}`;
  };
  return refs.flatMap((ref, n) => {
    const later = refs.slice(n + 1);
    if (later.length > MAX_SPLIT) {
      const old = (other: TableRef) => {
        const columns = (changed.get(other.name) as string[]).map(quoteIdent).join(', ');
        return `SELECT ${columns}, 1 AS dtlab_w FROM ${quoteIdent(other.name)} UNION ALL ${change(other, -1)}`;
      };
      return [term([[ref, change(ref, 1)], ...later.map((o): [TableRef, string] => [o, old(o)])])];
    }
    // Every subset of the later references read as their negated change, the rest as they are.
    return Array.from({ length: 2 ** later.length }, (_v, mask) =>
      term([
        [ref, change(ref, 1)],
        ...later.filter((_o, i) => mask & (1 << i)).map((o): [TableRef, string] => [o, change(o, -1)]),
      ]),
    );
  });
}
