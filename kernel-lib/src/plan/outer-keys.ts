/**
 * The slices of an outer-join query's tables a change can reach (the rule is in plan/outer.ts), as pure SQL
 * builders: one part per changed reference and state (before, after), each naming for every table of FROM
 * the rows to read in its place. Positions bind as `$1`.
 */
import { quoteIdent, type SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import type { TableRef } from './from.js';
import type { OuterJoins } from './outer.js';

/** Which rows of a table a part reads: its current rows, its old rows, or (the step's table) its change. */
export type State = 'new' | 'old' | 'inserted' | 'deleted' | 'changed';

/**
 * A source whose rows are given as SQL rather than read from it and its change table (a nested plan's kept
 * rows, plan/nested-outer.ts): its change rows (`changed`), and where known its rows in the other states. A
 * state not given reads the change rows for `deleted` / `inserted`, and the source as it is for `new` / `old`
 * (the caller then runs the parts before and after it changes).
 */
export type GivenRows = { changed: string } & Partial<Record<State, string>>;

/** The rows of a given source in `state`, or undefined where it is read as it is. */
function givenRows(given: GivenRows, state: State): string | undefined {
  return given[state] ?? (state === 'new' || state === 'old' ? undefined : given.changed);
}

/** The change rows of `source` with a net weight of the given sign (`<> 0`: every changed row). */
function netChange(family: SqlFamily, source: string, cols: string, having: '> 0' | '< 0' | '<> 0') {
  const { since, changeTable } = dialectOf(family).capture;
  return `SELECT ${cols} FROM ${changeTable(source)} WHERE ${since} GROUP BY ${cols} HAVING sum(_w) ${having}`;
}

/** Rows of `ref` in `state` that satisfy `cond` (over the alias `as`). */
function rowsOf(
  family: SqlFamily,
  ref: TableRef,
  columns: string[] | undefined,
  state: State,
  as: string,
  cond?: string,
  given?: GivenRows,
): string {
  const where = cond ? ` WHERE ${cond}` : '';
  const rows = given && givenRows(given, state);
  if (rows) return `SELECT ${as}.* FROM (${rows}) AS ${as}${where}`;
  if (state === 'new' || !columns) return `SELECT ${as}.* FROM ${quoteIdent(ref.name)} AS ${as}${where}`;
  const cols = columns.map(quoteIdent).join(', ');
  if (state !== 'old') {
    const rows = netChange(
      family,
      ref.name,
      cols,
      state === 'inserted' ? '> 0' : state === 'deleted' ? '< 0' : '<> 0',
    );
    return `SELECT ${as}.* FROM (${rows}) AS ${as}${where}`;
  }
  // The old state: current rows with the change taken back, as a set, over the rows `cond` admits only.
  const { since, changeTable } = dialectOf(family).capture;
  const both = `SELECT ${cols}, 1 AS dtlab_n FROM ${quoteIdent(ref.name)} UNION ALL SELECT ${cols}, -sum(_w) AS dtlab_n FROM ${changeTable(ref.name)} WHERE ${since} GROUP BY ${cols}`;
  return `SELECT ${columns.map((c) => `${as}.${quoteIdent(c)}`).join(', ')} FROM (${both}) AS ${as}${where} GROUP BY ${columns.map((c) => `${as}.${quoteIdent(c)}`).join(', ')} HAVING sum(${as}.dtlab_n) > 0`;
}

/** The tree's neighbours of each table, with the columns on this table's side and on the neighbour's. */
function neighbours(joins: OuterJoins, n: number) {
  const adj: { to: number; pairs: [string, string][] }[][] = Array.from({ length: n }, () => []);
  joins.edges.forEach((e, j) => {
    if (!e) return;
    adj[j]?.push({ to: e.parent, pairs: e.pairs });
    adj[e.parent]?.push({ to: j, pairs: e.pairs.map(([a, b]) => [b, a]) });
  });
  return adj;
}

/**
 * For each step (a changed reference, in FROM order) and each of its states (old rows deleted, new rows
 * inserted), the rows each table is read as: the step's table its deleted (or inserted) rows, every other
 * table the rows reached from the step's changed rows by equal join keys along the tree, in its state of
 * that step (changed tables before the step's: current; after it: old). `given`: sources whose rows are
 * given as SQL.
 */
export function outerSlices(
  tables: TableRef[],
  joins: OuterJoins,
  family: SqlFamily,
  changed: ReadonlyMap<string, string[]>,
  given?: ReadonlyMap<string, GivenRows>,
): Map<TableRef, string>[] {
  const read = (ref: TableRef, state: State, as: string, cond?: string) =>
    rowsOf(family, ref, changed.get(ref.name), state, as, cond, given?.get(ref.name));
  const adj = neighbours(joins, tables.length);
  const steps = tables.map((_t, i) => i).filter((i) => changed.has((tables[i] as TableRef).name));
  const parts: Map<TableRef, string>[] = [];
  for (const seed of steps) {
    const stateOf = (i: number): State => {
      const cols = changed.get((tables[i] as TableRef).name);
      return cols && i > seed ? 'old' : 'new';
    };
    // Breadth first from the seed: each table's slice is its rows whose keys match its parent's slice.
    const ext = new Map<number, string>();
    const seedRef = tables[seed] as TableRef;
    ext.set(seed, read(seedRef, 'changed', `dtlab_s${seed}`));
    const queue = [seed];
    const seen = new Set([seed]);
    while (queue.length > 0) {
      const u = queue.shift() as number;
      for (const { to: w, pairs } of adj[u] ?? []) {
        if (seen.has(w)) continue;
        seen.add(w);
        const ref = tables[w] as TableRef;
        const as = `dtlab_s${w}`;
        const e = `dtlab_e${w}`;
        // pairs: [column of u, column of w]
        const match = pairs
          .map(([cu, cw]) => `${e}.${quoteIdent(cu)} = ${as}.${quoteIdent(cw)}`)
          .join(' AND ');
        const cond = `EXISTS (SELECT 1 FROM (${ext.get(u)}) AS ${e} WHERE ${match})`;
        const slice = read(ref, stateOf(w), as, cond);
        ext.set(w, slice);
        queue.push(w);
      }
    }
    for (const own of ['deleted', 'inserted'] as const) {
      const part = new Map<TableRef, string>();
      tables.forEach((ref, i) => {
        part.set(
          ref,
          i === seed
            ? read(ref, own, `dtlab_s${i}`)
            : // The tree is connected: every table was reached.
              (ext.get(i) as string),
        );
      });
      parts.push(part);
    }
  }
  return parts;
}
