/**
 * Incremental refresh by affected-key recompute (the brief's strategy 2), as pure SQL builders.
 *
 * A DT's rows are grouped by its keys (GROUP BY expressions, or every column of a query without GROUP BY).
 * A change can only touch the groups that a changed row joins into; those keys are found by running the
 * query's FROM / WHERE with one changed source replaced by its change rows — the other changed sources
 * taken as "current rows plus deleted rows", so a join tuple that existed before the change is found even
 * if both of its sides were deleted (a superset of the affected keys is fine). The DT's rows of those keys
 * are deleted and recomputed from the query restricted to the keys. Cost follows the affected groups, not
 * the table. MIN/MAX under deletes, COUNT(DISTINCT), HAVING and LEFT JOIN need nothing special here.
 */

import { quoteIdent, type SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import { type GivenRows, outerSlices } from './outer-keys.js';
import type { QueryShape, TableRef } from './shape.js';

/** Name of the per-refresh table of affected keys. */
export const KEYS_TABLE = 'dtlab_keys';

/**
 * Distinct rows of `source` changed after position `$1` (columns only), consolidated: a row inserted and
 * deleted again within the window (weights summing to 0) did not change, so it is left out — it must not
 * be evaluated either (it may be the bad row whose refresh failed and that was since removed).
 * With `onlyDeleted`, just the rows whose net weight is negative (they were there before the window).
 */
export function changeRows(
  family: SqlFamily,
  source: string,
  columns: string[],
  onlyDeleted = false,
): string {
  const cols = columns.map(quoteIdent).join(', ');
  const { since: after, changeTable } = dialectOf(family).capture;
  const table = changeTable(source);
  return `SELECT ${cols} FROM ${table} WHERE ${after} GROUP BY ${cols} HAVING sum(_w) ${onlyDeleted ? '< 0' : '<> 0'}`;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  // Right to left; at one position, the edit that replaces text before the one that only inserts.
  for (const e of [...edits].sort((a, b) => b.start - a.start || b.end - a.end))
    out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

/** Replaces a table reference by a derived table, keeping the name the query refers to it by. */
function substitute(ref: TableRef, rows: string): Edit {
  return {
    start: ref.start,
    end: ref.end,
    text: ref.alias ? `(${rows})` : `(${rows}) AS ${quoteIdent(ref.name)}`,
  };
}

/** The condition part of the query with `extra` ANDed in. */
function whereWith(query: string, shape: QueryShape, extra: string): Edit {
  const w = shape.where;
  return 'insertAt' in w
    ? { start: w.insertAt, end: w.insertAt, text: ` WHERE ${extra}` }
    : { start: w.start, end: w.end, text: `(${query.slice(w.start, w.end)}) AND ${extra}` };
}

/**
 * The SELECT producing every key a change can touch, as columns k1…kn. `changed` maps each changed source
 * to its column names. Positions bind as $1.
 *
 * One part per changed reference in FROM (its change rows in its place), and one per correlation of a
 * WHERE subquery whose table changed (outer rows whose correlated column a changed row names). In every
 * part, the WHERE terms whose subqueries read a changed table are taken as TRUE (a superset: their value
 * may differ between the old and the new state), and the other changed references read current rows plus
 * deleted ones, so a row that existed before the change is found too.
 *
 * `given`: sources whose rows are given as SQL (a nested plan's state, plan/nested.ts): their change rows,
 * and where given their rows in the other states (plan/outer-keys.ts `GivenRows`); otherwise read as they
 * are (the caller then runs the parts before and after they change).
 */
export function affectedKeysSql(
  query: string,
  shape: QueryShape,
  family: SqlFamily,
  changed: ReadonlyMap<string, string[]>,
  options: { given?: ReadonlyMap<string, GivenRows> } = {},
): string {
  const { given } = options;
  // A whole-table aggregate has no keys: whether a change reaches it is all there is to know.
  const keyList =
    shape.keys.length > 0
      ? shape.keys.map((k, i) => `(${shape.items[k]}) AS k${i + 1}`).join(', ')
      : '1 AS k1';
  const common = (except?: TableRef): Edit[] => {
    const edits: Edit[] = [];
    for (const other of shape.tables) {
      const columns = changed.get(other.name);
      if (other === except || !columns) continue;
      const rows = given?.get(other.name);
      if (rows) {
        // As for a table: its rows now and the rows a change took away (a LEFT JOIN's preserved row that
        // lost its rows must still meet the optional side's new match, whose step is this one).
        if (rows.new) edits.push(substitute(other, `${rows.new} UNION ALL ${rows.deleted ?? rows.changed}`));
        continue;
      }
      const cols = columns.map(quoteIdent).join(', ');
      edits.push(
        substitute(
          other,
          `SELECT ${cols} FROM ${quoteIdent(other.name)} UNION ALL ${changeRows(family, other.name, columns, true)}`,
        ),
      );
    }
    for (const c of shape.conjuncts)
      if (c.tables.some((t) => changed.has(t))) edits.push({ start: c.start, end: c.end, text: 'TRUE' });
    return edits;
  };
  // "SELECT DISTINCT keys FROM <edited FROM … WHERE …>", without what follows (GROUP BY, HAVING …).
  const part = (edits: Edit[]) => {
    const edited = applyEdits(query, edits);
    const shift = edited.length - query.length;
    const end = 'insertAt' in shape.where ? shape.where.insertAt : shape.where.end;
    return `SELECT DISTINCT ${keyList} FROM ${edited.slice(shape.fromStart, end + shift)}`;
  };
  const parts: string[] = [];
  if (shape.outer) {
    // Outer joins: every table read as the rows the change reaches along the join keys (plan/outer.ts).
    for (const slices of outerSlices(shape.tables, shape.outer, family, changed, given))
      parts.push(part([...slices].map(([ref, rows]) => substitute(ref, rows))));
    return parts.join('\nUNION\n');
  }
  for (const ref of shape.tables) {
    const columns = changed.get(ref.name);
    if (!columns) continue;
    const own = given?.get(ref.name);
    const rows = own ? own.changed : changeRows(family, ref.name, columns);
    let edits = [substitute(ref, rows), ...common(ref)];
    // The changed side of a LEFT JOIN: only rows that match a change matter, so join it inner. The WHERE
    // clause is then taken as TRUE (a superset): a term on that side (`WHERE o.k IS NULL`) holds of the
    // preserved row's NULL-extended row, not of the change rows it now matches or matched before.
    if (ref.join === 'left' && ref.joinSpan) {
      edits.push({ start: ref.joinSpan[0], end: ref.joinSpan[1], text: 'JOIN' });
      const w = shape.where;
      if ('start' in w) {
        edits = edits.filter((e) => e.end <= w.start || e.start >= w.end);
        edits.push({ start: w.start, end: w.end, text: 'TRUE' });
      }
    }
    parts.push(part(edits));
  }
  for (const c of shape.conjuncts) {
    for (const k of c.correlations) {
      const columns = changed.get(k.table);
      if (!columns) continue;
      let touched = `SELECT dtlab_c.${quoteIdent(k.column)} FROM (${changeRows(family, k.table, columns)}) AS dtlab_c`;
      // Through middle tables (a nested subquery): their rows, current or deleted, that the values name.
      for (const hop of k.via ?? []) {
        const middle = changed.get(hop.table);
        const rows = middle
          ? `(SELECT ${middle.map(quoteIdent).join(', ')} FROM ${quoteIdent(hop.table)} UNION ALL ${changeRows(family, hop.table, middle, true)})`
          : quoteIdent(hop.table);
        touched = `SELECT dtlab_m.${quoteIdent(hop.to)} FROM ${rows} AS dtlab_m WHERE dtlab_m.${quoteIdent(hop.from)} IN (${touched})`;
      }
      // The condition goes into the WHERE the subquery stands in (the query's, or a subquery's in FROM).
      const w = c.where;
      parts.push(
        part([
          ...common(),
          { start: w.start, end: w.start, text: '(' },
          { start: w.end, end: w.end, text: `) AND (${k.outer}) IN (${touched})` },
        ]),
      );
    }
  }
  return parts.join('\nUNION\n');
}

/**
 * Rows of `table` (or of the query) whose keys are in `keys`: `=` for the hashable case … `types[i]`, when
 * the DT declares a type for key i, compares both sides cast to it: the DT stores keys cast, and a cast may
 * merge distinct values (`1.2` and `1.4` as INTEGER), whose rows are then all the DT's rows of that key.
 */
export function keyMatch(
  exprs: string[],
  nullKeys: boolean | 'all',
  keys = KEYS_TABLE,
  types: readonly (string | undefined)[] = [],
): string {
  const as = (e: string, i: number) => (types[i] ? `CAST(${e} AS ${types[i]})` : e);
  const k = (i: number) => as(`${keys}.k${i + 1}`, i);
  const e = (i: number) => as(`(${exprs[i]})`, i);
  const same = exprs.map((_e, i) => `${k(i)} IS NOT DISTINCT FROM ${e(i)}`).join(' AND ');
  // Every key, a NULL part matching NULL (where the backend hashes IS NOT DISTINCT FROM).
  if (nullKeys === 'all') return `EXISTS (SELECT 1 FROM ${keys} WHERE ${same})`;
  if (!nullKeys)
    return `EXISTS (SELECT 1 FROM ${keys} WHERE ${exprs.map((_e, i) => `${k(i)} = ${e(i)}`).join(' AND ')})`;
  // … and, separately and rarely, keys with a NULL part (which `=` never matches).
  const anyNull = exprs.map((_e, i) => `${keys}.k${i + 1} IS NULL`).join(' OR ');
  return `EXISTS (SELECT 1 FROM ${keys} WHERE (${anyNull}) AND ${same})`;
}

/** The defining query restricted to the affected keys (those in `keys`; `types` as for keyMatch). */
export function restrictedQuery(
  query: string,
  shape: QueryShape,
  nullKeys: boolean | 'all',
  keys = KEYS_TABLE,
  types: readonly (string | undefined)[] = [],
): string {
  // A whole-table aggregate (no keys) is its one row, recomputed whole.
  if (shape.keys.length === 0) return query;
  return applyEdits(query, [
    whereWith(
      query,
      shape,
      keyMatch(
        shape.keys.map((k) => shape.items[k] as string),
        nullKeys,
        keys,
        types,
      ),
    ),
  ]);
}

/**
 * The DT's rows of the affected keys; `columns[i]` is the DT column of key i, `types[i]` its declared type.
 * `table` qualifies the columns: a DT column named like a column of the keys table (`k1`) would otherwise
 * mean the keys table's inside the EXISTS. `nullKeys`: false matches keys without a NULL part (by `=`), true
 * only keys with one; 'all' matches every key by IS NOT DISTINCT FROM (for a family that hashes it).
 */
export function dtKeyCondition(
  columns: string[],
  types: (string | undefined)[],
  nullKeys: boolean | 'all',
  table?: string,
): string {
  return `EXISTS (SELECT 1 FROM ${KEYS_TABLE} WHERE ${dtKeyMatch(columns, types, nullKeys, table)})`;
}

/** The condition of `dtKeyCondition` on a DT row and a row of the keys table. */
function dtKeyMatch(
  columns: string[],
  types: (string | undefined)[],
  nullKeys: boolean | 'all',
  table?: string,
): string {
  const k = (i: number) => `${KEYS_TABLE}.k${i + 1}`;
  const key = (i: number) => (types[i] ? `CAST(${k(i)} AS ${types[i]})` : k(i));
  const col = (i: number) => `${table ? `${table}.` : ''}${quoteIdent(columns[i] as string)}`;
  const match = (op: string) => columns.map((_c, i) => `${key(i)} ${op} ${col(i)}`).join(' AND ');
  if (nullKeys === false) return match('=');
  if (nullKeys === 'all') return match('IS NOT DISTINCT FROM');
  const anyNull = columns.map((_c, i) => `${k(i)} IS NULL`).join(' OR ');
  return `(${anyNull}) AND ${match('IS NOT DISTINCT FROM')}`;
}

/**
 * Deletes the DT's rows of the affected keys (`dtKeyCondition`'s): joined with the keys table (`DELETE …
 * USING`, where the family plans that as a join: dialect `deletesByJoin`), or by the EXISTS condition.
 */
export function deleteKeysSql(
  dt: string,
  columns: string[],
  types: (string | undefined)[],
  nullKeys: boolean | 'all',
  byJoin: boolean,
): string {
  const table = quoteIdent(dt);
  return byJoin
    ? `DELETE FROM ${table} USING ${KEYS_TABLE} WHERE ${dtKeyMatch(columns, types, nullKeys, table)}`
    : `DELETE FROM ${table} WHERE ${dtKeyCondition(columns, types, nullKeys, table)}`;
}
