/**
 * An aggregating subquery in FROM with an outer join around it (`customer c LEFT JOIN (SELECT o_custkey,
 * sum(o_totalprice) AS total FROM orders GROUP BY o_custkey) t ON t.o_custkey = c.c_custkey`, its reverse
 * `(SELECT … GROUP BY …) t LEFT JOIN nation n ON …`, RIGHT and FULL forms), for the nested strategy
 * (plan/nested.ts). The subquery's result is kept as there (`dtlab.state_<dt>`); the outer query reads it as a
 * table (`ROWS`), so the outer joins are maintained by the rule plain tables' outer joins are (plan/outer.ts):
 * the kept rows are one more changed source, whose change is the kept rows of the subquery keys the change
 * touched — as they were (kept aside before they are recomputed) and as they are. Pure: builds SQL text.
 *
 * Why one pass after the kept rows change, not one before and one after (as plan/nested.ts does for inner
 * joins): across an outer join, the rows a change reaches along the join keys must be read in both states.
 * A new group must find the preserved row it matches, whose NULL-extended row (from before, when it had no
 * match) goes; a vanished group must find the row that gets its NULLs back. Reading only the rows of one
 * state at a time misses the other state's match.
 */
import type { SqlFamily } from '../backends/backend.js';
import { affectedKeysSql } from './incremental.js';
import { type NestedPlan, ROWS, STATE } from './nested.js';
import type { GivenRows } from './outer-keys.js';

/** The kept rows of the subquery keys a change touched, kept aside before they are recomputed. */
export const OLD_ROWS = 'dtlab_nested_old';

/**
 * The outer keys a change touches, run once after the kept rows were recomputed: `moved` is given when the
 * subquery's tables changed — `touched` selects the kept rows of its keys (over columns c1…cn), and the
 * table `OLD_ROWS` holds those rows as they were. `changed`: every changed source and its columns. Positions
 * bind as `$1`.
 */
export function outerJoinKeysSql(
  plan: NestedPlan,
  family: SqlFamily,
  changed: ReadonlyMap<string, string[]>,
  moved?: { touched: string },
): string {
  const named = (table: string, where?: string) =>
    `SELECT ${plan.stateColumns} FROM ${table} AS dtlab_st${where ? ` WHERE ${where}` : ''}`;
  const current = named(STATE);
  if (!moved)
    return affectedKeysSql(plan.outer, plan.outerShape, family, changed, {
      given: new Map([[ROWS, { changed: named(STATE, '1 = 0'), new: current, old: current }]]),
    });
  const before = named(OLD_ROWS);
  const after = named(STATE, moved.touched);
  const rows: GivenRows = {
    changed: `${before} UNION ALL ${after}`,
    deleted: before,
    inserted: after,
    new: current,
    old: `${named(STATE, `NOT (${moved.touched})`)} UNION ALL ${before}`,
  };
  return affectedKeysSql(
    plan.outer,
    plan.outerShape,
    family,
    new Map([...changed, [ROWS, plan.outerJoined?.names ?? []]]),
    { given: new Map([[ROWS, rows]]) },
  );
}
