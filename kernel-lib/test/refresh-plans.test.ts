/**
 * A refresh's visible shape (issue 11): each strategy's plan, built without a database (refresh/steps.ts
 * `stepsOf` answers every phase), has the expected steps — labels, what they read and write.
 */
import { describe, expect, it } from 'vitest';
import type { SqlFamily } from '../src/backends/backend.js';
import { chooseStrategy } from '../src/plan/strategy.js';
import { fullRecomputePlan } from '../src/refresh/full-plan.js';
import { incrementalPlan } from '../src/refresh/incremental.js';
import type { IncrementalWork } from '../src/refresh/incremental-work.js';
import { nullKeysGate } from '../src/refresh/replace.js';
import { type RefreshStep, type StepAnswer, stepsOf } from '../src/refresh/steps.js';
import { analyzeQuery } from '../src/sql/analyze.js';
import type { DynamicTable } from '../src/types.js';

const COLUMNS = new Map([
  ['a', ['g', 'h', 'v']],
  ['b', ['g', 'w']],
]);

/** The plan of an incremental refresh of `query` after `changed` changed (inserts only unless `deletes`). */
function planOf(
  query: string,
  opts: {
    family?: SqlFamily;
    deletes?: boolean;
    answer?: (s: RefreshStep) => StepAnswer;
    /** Change rows read (1 unless given). */
    changes?: number;
  } = {},
) {
  const ast = analyzeQuery(query, () => false).ast;
  const strategy = chooseStrategy(query, ast, (t) => COLUMNS.get(t));
  if (strategy.kind === 'full') throw new Error(strategy.reason);
  const sources = [...COLUMNS.keys()].filter((t) => new RegExp(`\\b${t}\\b`).test(query));
  const dt = { name: 'd', query, sources: sources.map((name) => ({ name, kind: 'TABLE' })) };
  const work: IncrementalWork = {
    dt: dt as unknown as DynamicTable,
    shape: strategy.shape,
    columns: COLUMNS,
    ...(strategy.kind === 'linear' ? { linear: strategy.plan } : {}),
    ...(strategy.kind === 'keys' && strategy.union ? { union: strategy.union } : {}),
    ...(strategy.kind === 'keys' && strategy.nested ? { nested: strategy.nested } : {}),
    decision: {
      action: 'INCREMENTAL',
      reason: strategy.reason,
      changes: { a: opts.changes ?? 1 },
      insertsOnly: new Set(opts.deletes ? [] : sources),
      position: '2',
      changed: sources,
      reinstall: [],
    },
    output: [{ name: 'c1' }, { name: 'c2' }, { name: 'c3' }],
    now: 0,
  };
  const plan = incrementalPlan(opts.family ?? 'duckdb', work, { previous: '1', emits: false });
  const { steps, result } = stepsOf(plan, opts.answer);
  return {
    kind: strategy.kind,
    result,
    shape: steps.map((s) => `${s.label} | ${s.reads.join(',')} -> ${s.writes.join(',')}`),
    steps,
  };
}

const labels = (p: { steps: RefreshStep[] }) => p.steps.map((s) => s.label);
const STATE = 'dtlab."state_d"';
const KEYS = 'dtlab_keys';

describe('each strategy plans its refresh as steps (labels, reads, writes)', () => {
  it('linear rows: the weighted change computed, summarised, applied', () => {
    const answer = (s: RefreshStep) => ({
      rows: s.label === 'summarise the change' ? [[0, 2, 3]] : [],
      rowCount: 0,
    });
    const p = planOf('SELECT g, v FROM a WHERE v > 0', { answer });
    expect(p.kind).toBe('linear');
    // DuckDB replaces the change rows' table (dialect `replacesTables`) and, after a small change, leaves it.
    expect(p.shape).toEqual([
      `compute the weighted change rows | a -> ${KEYS}`,
      `summarise the change | ${KEYS} -> `,
      `delete the removed copies | ${KEYS} -> d`,
      `insert the added copies | ${KEYS} -> d`,
    ]);
    expect(p.steps[0]?.sql).toMatch(/^CREATE OR REPLACE TEMP TABLE dtlab_keys AS /);
    expect(p.result).toEqual({ rowsInserted: 3, rowsDeleted: 2 });
    expect(p.steps.map((s) => 'needsResult' in s && s.needsResult)).toEqual([false, true, false, false]);
    // After a large change it is dropped; PostgreSQL drops and creates it.
    const large = planOf('SELECT g, v FROM a WHERE v > 0', { answer, changes: 2001 });
    expect(labels(large).at(-1)).toBe('drop the change rows');
    const pg = planOf('SELECT g, v FROM a WHERE v > 0', { answer, family: 'postgres' });
    expect(labels(pg).slice(0, 2)).toEqual(['drop the change rows', 'compute the weighted change rows']);
    expect(labels(pg).at(-1)).toBe('drop the change rows');
  });

  it('linear state merge (DuckDB): the delta merged in one statement, nothing looked at, the DELETE counts', () => {
    const p = planOf('SELECT g, COUNT(*) AS n, SUM(v) AS s FROM a GROUP BY g', { deletes: true });
    expect(p.shape).toEqual([
      `compute the delta's groups | a -> ${KEYS}`,
      `merge the delta into the state | ${KEYS},${STATE} -> ${STATE}`,
      `delete the keys' rows | ${KEYS} -> d`,
      `insert the keys' new rows | ${STATE},${KEYS} -> d`,
    ]);
    expect(p.steps[0]?.sql).toMatch(/^CREATE OR REPLACE TEMP TABLE dtlab_keys AS /);
    // The keys of a large change are dropped at the end.
    const large = planOf('SELECT g, COUNT(*) AS n, SUM(v) AS s FROM a GROUP BY g', { changes: 5000 });
    expect(large.shape.at(-1)).toBe(`drop the affected keys |  -> ${KEYS}`);
  });

  it('linear state merge (PostgreSQL): update and insert in one statement, delete emptied groups, NULL keys gated; one statement replaces the rows', () => {
    const p = planOf('SELECT g, COUNT(*) AS n, SUM(v) AS s FROM a GROUP BY g', {
      family: 'postgres',
      deletes: true,
    });
    expect(labels(p)).toEqual([
      "keep a table for the delta's groups",
      "empty the kept delta's groups",
      "compute the delta's groups",
      'add the delta to existing groups, insert the new groups',
      'add the delta to existing groups (NULL keys)',
      'insert the new groups (NULL keys)',
      'delete the emptied groups',
      'delete the emptied groups (NULL keys)',
      "replace the keys' rows",
      'empty the kept affected keys',
    ]);
    // The keys go to a temporary table kept per shape of their query (refresh/keys-steps.ts keptKeys): every
    // step names it instead of dtlab_keys, and none creates or drops a table but the first (IF NOT EXISTS).
    const kept = p.steps[0]?.writes[0] as string;
    expect(kept).toMatch(/^dtlab_keys_[0-9a-z]+$/);
    expect(p.steps[0]?.sql).toMatch(
      new RegExp(`^CREATE TEMP TABLE IF NOT EXISTS ${kept} AS .* WITH NO DATA$`, 's'),
    );
    for (const s of p.steps) expect(s.sql).not.toMatch(/\bdtlab_keys\b|DROP TABLE/);
    // Existing groups updated and new ones inserted in one statement: the new ones are the keys the update did
    // not return (a data-modifying CTE), not found by probing the state again.
    const merged = p.steps.find((s) => s.label === 'add the delta to existing groups, insert the new groups');
    expect(merged?.sql).toMatch(
      /^WITH dtlab_updated AS \(UPDATE dtlab\."state_d" AS dtlab_s SET .* RETURNING dtlab_s\.k1\)\nINSERT INTO dtlab\."state_d" .* NOT EXISTS \(SELECT 1 FROM dtlab_updated AS dtlab_s WHERE dtlab_s\.k1 = dtlab_d\.k1\)$/s,
    );
    expect(p.steps.at(-1)?.sql).toBe(`DELETE FROM ${kept}`);
    // Nobody looked for NULL keys (no round trip): their statements, and the replace's part for them, are
    // gated by a one-time condition on the keys table.
    const gate = nullKeysGate(1).replaceAll('dtlab_keys', kept);
    for (const s of p.steps.filter((s) => s.label.endsWith('(NULL keys)'))) expect(s.sql).toContain(gate);
    const replace = p.steps.find((s) => s.label === "replace the keys' rows");
    expect(replace?.sql).toContain(`dtlab_deleted_n AS (DELETE FROM "d" WHERE ${gate} AND`);
    expect(replace?.sql).toMatch(
      /dtlab_inserted_n AS \(INSERT INTO "d" SELECT \* FROM \(.*\) AS dtlab_n WHERE EXISTS/s,
    );
  });

  it('COUNT(DISTINCT): the change read once per group and value, the changed values counted from it, merged after', () => {
    const p = planOf('SELECT g, COUNT(DISTINCT v) AS d FROM a GROUP BY g', { deletes: true });
    const COUNTED = 'dtlab."dstate1_d"';
    expect(p.kind).toBe('linear');
    expect(p.shape).toEqual([
      'drop the finer delta |  -> dtlab_fine',
      'compute the delta per group and value | a -> dtlab_fine',
      'drop the changed values |  -> dtlab_dv1',
      'count the changed values | dtlab_fine -> dtlab_dv1',
      `drop the affected keys |  -> ${KEYS}`,
      `compute the delta's groups | dtlab_fine,dtlab_dv1,${COUNTED} -> ${KEYS}`,
      'drop the finer delta |  -> dtlab_fine',
      `merge the delta into the state | ${KEYS},${STATE} -> ${STATE}`,
      `merge the changed values | dtlab_dv1,${COUNTED} -> ${COUNTED}`,
      'drop the changed values |  -> dtlab_dv1',
      `delete the keys' rows | ${KEYS} -> d`,
      `insert the keys' new rows | ${STATE},${KEYS} -> d`,
    ]);
    // The group's count moves by the values whose count leaves or reaches 0, read from the counted values.
    expect(p.steps[5]?.sql).toContain(`FROM dtlab_dv1 AS dtlab_v LEFT JOIN ${COUNTED} AS dtlab_o`);
    expect(
      labels(
        planOf('SELECT g, COUNT(DISTINCT v) AS d FROM a GROUP BY g', { family: 'postgres', deletes: true }),
      ),
    ).toEqual(
      expect.arrayContaining([
        'add the changed values',
        'insert the new values',
        'delete the values no row has',
      ]),
    );
  });

  it('linear extremes: a second phase recomputes the groups a delete reached, only when there are some', () => {
    const q = 'SELECT g, MAX(v) AS m FROM a GROUP BY g';
    const none = labels(planOf(q, { deletes: true }));
    expect(none.slice(1, 6)).toEqual([
      'drop the groups to recompute',
      'find the groups whose extremes a delete reached',
      'merge the delta into the state',
      'count the groups to recompute',
      'drop the groups to recompute',
    ]);
    const answer = (s: RefreshStep) => ({
      rows: [[s.label === 'count the groups to recompute' ? 2 : 0]],
      rowCount: 0,
    });
    const some = planOf(q, { deletes: true, answer });
    const at = labels(some).indexOf('count the groups to recompute');
    expect(some.shape.slice(at + 1, at + 4)).toEqual([
      `clear their extremes | dtlab_redo,${STATE} -> ${STATE}`,
      `recompute their extremes | a,dtlab_redo,${STATE} -> ${STATE}`,
      'drop the groups to recompute |  -> dtlab_redo',
    ]);
    // Inserts only: no extreme can be reached, none is looked at.
    expect(labels(planOf(q))).not.toContain('count the groups to recompute');
  });

  it('affected keys and window partitions: the keys found, their rows replaced from the query', () => {
    for (const q of [
      'SELECT g, COUNT(*) AS d FROM a GROUP BY g HAVING COUNT(*) > 1',
      'SELECT g, h, ROW_NUMBER() OVER (PARTITION BY g ORDER BY h) AS r FROM a',
    ]) {
      const p = planOf(q);
      expect(p.kind).toBe('keys');
      expect(p.shape).toEqual([
        `compute the affected keys | a -> ${KEYS}`,
        `delete the keys' rows | ${KEYS} -> d`,
        `insert the keys' new rows | a,${KEYS} -> d`,
      ]);
      expect(labels(planOf(q, { family: 'postgres' }))).toContain("replace the keys' rows");
    }
  });

  it('NULL keys (DuckDB): one DELETE and one INSERT match every key by IS NOT DISTINCT FROM, none looked for', () => {
    const p = planOf('SELECT g, COUNT(*) AS d FROM a GROUP BY g HAVING COUNT(*) > 1');
    expect(labels(p).filter((l) => /NULL/.test(l))).toEqual([]);
    const write = (label: string) => p.steps.find((s) => s.label === label);
    expect(write("delete the keys' rows")?.sql).toContain('dtlab_keys.k1 IS NOT DISTINCT FROM "d"."c1"');
    expect(write("insert the keys' new rows")?.sql).toContain('IS NOT DISTINCT FROM');
    // The DELETE answers its own count (nothing counted ahead).
    expect(write("delete the keys' rows")).toHaveProperty('needsResult', true);
  });

  it("union: the branches' keys together, the rows from both branches", () => {
    const p = planOf(
      'SELECT g, COUNT(DISTINCT v) AS d FROM a GROUP BY g UNION ALL SELECT g, COUNT(DISTINCT w) AS d FROM b GROUP BY g',
    );
    expect(p.shape[0]).toBe(`compute the affected keys | a,b -> ${KEYS}`);
    expect(p.shape[2]).toBe(`insert the keys' new rows | a,b,${KEYS} -> d`);
    expect(p.steps[0]?.sql).toContain('UNION');
  });

  it("nested: the subquery's state rows recomputed, the outer keys before and after become the keys", () => {
    const p = planOf(
      'SELECT c, COUNT(*) AS n FROM (SELECT g, COUNT(*) AS c FROM a GROUP BY g) AS s GROUP BY c',
    );
    expect(p.shape).toEqual([
      `compute the affected keys | a -> ${KEYS}`,
      `check the keys for NULLs | ${KEYS} -> `,
      'drop the outer keys |  -> dtlab_outer_keys',
      `collect the outer keys before | ${STATE},${KEYS} -> dtlab_outer_keys`,
      `delete the affected subquery rows | ${KEYS} -> ${STATE}`,
      `recompute the subquery rows | a,${KEYS} -> ${STATE}`,
      `collect the outer keys after | ${STATE},${KEYS} -> dtlab_outer_keys`,
      `drop the subquery keys |  -> ${KEYS}`,
      `keep the outer keys as the affected keys | dtlab_outer_keys -> ${KEYS}`,
      'drop the outer keys |  -> dtlab_outer_keys',
      `delete the keys' rows | ${KEYS} -> d`,
      `insert the keys' new rows | ${STATE},${KEYS} -> d`,
    ]);
  });

  it('nested, joined to a table: the outer keys also read the joined table; the subquery rows are recomputed', () => {
    const p = planOf(
      'SELECT s.g, b.w, s.c FROM (SELECT g, COUNT(*) AS c FROM a GROUP BY g) AS s JOIN b ON b.g = s.g',
    );
    expect(p.shape.slice(3, 7)).toEqual([
      `collect the outer keys before | ${STATE},${KEYS},b -> dtlab_outer_keys`,
      `delete the affected subquery rows | ${KEYS} -> ${STATE}`,
      `recompute the subquery rows | a,b,${KEYS} -> ${STATE}`,
      `collect the outer keys after | ${STATE},${KEYS},b -> dtlab_outer_keys`,
    ]);
  });

  it('window over groups: the state rows recomputed, the DT recomputed whole from the state', () => {
    const p = planOf('SELECT g, RANK() OVER (ORDER BY SUM(v)) AS r FROM a GROUP BY g');
    expect(p.shape.slice(2)).toEqual([
      `delete the affected subquery rows | ${KEYS} -> ${STATE}`,
      `recompute the subquery rows | a,${KEYS} -> ${STATE}`,
      `delete the DT's row | ${KEYS} -> d`,
      `insert the DT's new row | ${STATE},${KEYS} -> d`,
    ]);
  });

  it('window without PARTITION BY: the touched ORDER BY keys, the tail of the input from the first, its rows replaced', () => {
    const query = 'SELECT g, v, ROW_NUMBER() OVER (ORDER BY v DESC, g) AS rn FROM a';
    const p = planOf(query);
    expect(p.shape.slice(0, 3)).toEqual([
      'compute the ORDER BY keys a change touches | a -> dtlab_touched',
      `compute the ORDER BY keys at or after the first touched | a,dtlab_touched -> ${KEYS}`,
      'drop the touched keys |  -> dtlab_touched',
    ]);
    expect(labels(p)).toContain("delete the keys' rows");
    // The first touched key, NULLs placed as the family sorts them where the ORDER BY does not say.
    const first = (family: SqlFamily) =>
      planOf(query, { family }).steps.find((s) => /at or after the first/.test(s.label))?.sql ?? '';
    expect(first('duckdb')).toContain('ORDER BY k1 DESC NULLS LAST, k2 ASC NULLS LAST LIMIT 1');
    expect(first('postgres')).toContain('ORDER BY k1 DESC NULLS FIRST, k2 ASC NULLS LAST LIMIT 1');
    // The mirror (LEAD): the last touched key, the ORDER BY read reversed.
    const lead = planOf('SELECT g, v, LEAD(g) OVER (ORDER BY v NULLS FIRST, g) AS nx FROM a');
    expect(lead.steps[1]?.sql).toContain('ORDER BY k1 DESC NULLS LAST, k2 DESC NULLS FIRST LIMIT 1');
  });

  it('full: delete the rows, insert the query result (the mutable region only, with IMMUTABLE WHERE)', () => {
    const dt = { name: 'd', sources: [{ name: 'a' }] };
    const answer = () => ({ rows: [], rowCount: 4 });
    const whole = stepsOf(fullRecomputePlan({ dt, select: 'SELECT g FROM a' }), answer);
    expect(whole.steps.map((s) => [s.label, s.reads, s.writes, s.sql])).toEqual([
      ['delete the rows', ['d'], ['d'], 'DELETE FROM "d"'],
      ["insert the query's rows", ['a'], ['d'], 'INSERT INTO "d" SELECT g FROM a'],
    ]);
    expect(whole.result).toEqual({ rowsInserted: 4, rowsDeleted: 4 });
    const part = stepsOf(fullRecomputePlan({ dt, select: 'SELECT g FROM a', mutable: 'g > 1' }));
    expect(part.steps.map((s) => s.label)).toEqual([
      'delete the rows of the mutable region',
      "insert the query's rows of the mutable region",
    ]);
  });
});
