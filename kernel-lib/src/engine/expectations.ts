/**
 * Expectations in DDL (docs/quality.md): their validation at CREATE and ALTER (each condition is run by the
 * backend over the DT's columns: it must name only them and be boolean, else a positioned DT_ERR_EXPECTATION
 * and nothing changes), and ALTER DYNAMIC TABLE … ADD / DROP CONSTRAINT, which marks the DT for a recompute
 * at its next refresh (refresh/decide.ts: which rows belong changed).
 */
import { type Backend, exec, type Queryable, quoteIdent } from '../backends/backend.js';
import { updateDynamicTable } from '../catalog/catalog.js';
import { dialectOf } from '../dialect/index.js';
import { DtError } from '../errors.js';
import { discardedTable, discardedTableName, quarantineTablesSql } from '../plan/discards.js';
import { conditionSql, quarantineTable, quarantineTableName } from '../plan/expectations.js';
import { type Expectation, MAX_EXPECTATIONS, type ParsedExpectation, stored } from '../sql/expectations.js';
import { positionAt } from '../sql/position.js';
import type { DynamicTable, ExpectationCount, RefreshRecord } from '../types.js';
import { checkCondition } from './condition-check.js';

/**
 * Runs each condition over `rowsSql` (the DT's rows, by column name) with LIMIT 0. A backend error (an unknown
 * column, a type error) or a non-boolean result is a DT_ERR_EXPECTATION at the condition.
 */
export async function validateExpectations(
  db: Queryable,
  family: Backend['family'],
  sql: string,
  list: ParsedExpectation[],
  rowsSql: string,
): Promise<void> {
  for (const e of list)
    await checkCondition(
      db,
      `SELECT (${conditionSql(e.condition, family)}) AS dtlab_ok FROM (${rowsSql}) AS dtlab_v LIMIT 0`,
      { text: e.condition, offset: e.conditionOffset, sql },
      'DT_ERR_EXPECTATION',
      {
        failed: (first) => `expectation ${e.name}: ${first}`,
        notBoolean: (type) =>
          `expectation ${e.name}: its condition ${e.condition} is of type ${type}, not BOOLEAN`,
      },
    );
}

/** The reason the next refresh recomputes (refresh/decide.ts), in the history's words. */
export const recomputeReason = (verb: 'added' | 'dropped', name: string) =>
  `expectation ${name} was ${verb}: which rows belong to the dynamic table changed, so it is recomputed`;

/** ALTER DYNAMIC TABLE … ADD CONSTRAINT: validated over the DT's rows, stored, the DT marked to recompute. */
export async function addConstraint(
  backend: Backend,
  dt: DynamicTable,
  e: ParsedExpectation,
  sql: string,
): Promise<string> {
  const list = dt.expectations ?? [];
  if (list.some((x) => x.name === e.name))
    throw new DtError('DT_ERR_EXPECTATION', `${dt.name} already has an expectation named ${e.name}`, {
      position: positionAt(sql, e.nameOffset),
      sql,
    });
  if (list.length >= MAX_EXPECTATIONS)
    throw new DtError('DT_ERR_EXPECTATION', `at most ${MAX_EXPECTATIONS} expectations per dynamic table`, {
      position: positionAt(sql, e.nameOffset),
      sql,
    });
  await validateExpectations(backend, backend.family, sql, [e], `SELECT * FROM ${quoteIdent(dt.name)}`);
  const next = [...list, stored(e)];
  await backend.transaction(async (tx) => {
    await save(tx, dt.name, next, recomputeReason('added', e.name));
    if (e.action === 'QUARANTINE') for (const sql of quarantineTablesSql(dt.name)) await exec(tx, sql);
  });
  return `Expectation ${e.name} added to ${dt.name} (ON VIOLATION ${e.action}); its next refresh recomputes it.`;
}

/**
 * ALTER DYNAMIC TABLE … DROP CONSTRAINT. The quarantine stays until the next refresh recomputes the DT (rows
 * quarantined under the old expectation can be re-admitted meanwhile); without QUARANTINE expectations left,
 * that refresh drops it.
 */
export async function dropConstraint(
  backend: Backend,
  dt: DynamicTable,
  name: string,
  nameOffset: number,
  sql: string,
): Promise<string> {
  const list = dt.expectations ?? [];
  if (!list.some((x) => x.name === name))
    throw new DtError(
      'DT_ERR_EXPECTATION',
      `${dt.name} has no expectation named ${name}${list.length > 0 ? ` (it has ${list.map((x) => x.name).join(', ')})` : ''}`,
      { position: positionAt(sql, nameOffset), sql },
    );
  const next = list.filter((x) => x.name !== name);
  await save(backend, dt.name, next, recomputeReason('dropped', name));
  return `Expectation ${name} dropped from ${dt.name}; its next refresh recomputes it.`;
}

async function save(tx: Queryable, dt: string, list: Expectation[], reason: string) {
  await updateDynamicTable(tx, dt, {
    expectations: list.length > 0 ? JSON.stringify(list) : null,
    pending_recompute: reason,
  });
}

/** DROP and CREATE OR REPLACE: the DT's quarantine (and its discarded rows) go with it. */
export async function dropQuarantine(tx: Queryable, dt: string): Promise<void> {
  await exec(tx, `DROP TABLE IF EXISTS ${quarantineTable(dt)}`);
  await exec(tx, `DROP TABLE IF EXISTS ${discardedTable(dt)}`);
}

/** RENAME: the quarantine and the discarded rows follow the DT's name. */
export async function renameQuarantine(tx: Queryable, from: string, to: string): Promise<void> {
  await exec(
    tx,
    `ALTER TABLE IF EXISTS ${quarantineTable(from)} RENAME TO ${quoteIdent(quarantineTableName(to))}`,
  );
  await exec(
    tx,
    `ALTER TABLE IF EXISTS ${discardedTable(from)} RENAME TO ${quoteIdent(discardedTableName(to))}`,
  );
}

/**
 * At open: a DT with a QUARANTINE expectation made before discarded rows were remembered gets its table of
 * them (one look at the catalog; nothing else when every DT has it).
 */
export async function installDiscardTables(tx: Queryable, family: Backend['family']): Promise<void> {
  const { rows } = await tx.query(
    'SELECT name, expectations FROM dtlab.dynamic_tables WHERE expectations IS NOT NULL',
  );
  for (const r of rows) {
    const dt = String(r[0]);
    const list = JSON.parse(String(r[1])) as Expectation[];
    if (!list.some((e) => e.action === 'QUARANTINE')) continue;
    const exists = await tx.query(dialectOf(family).dtlabRelationSql, [discardedTableName(dt)]);
    if (Number(exists.rows[0]?.[0] ?? 0) > 0) continue;
    for (const sql of quarantineTablesSql(dt)) await tx.query(sql);
  }
}

/** History rows with their per-expectation counts (dtlab.expectation_results), where they have any. */
export async function withExpectationCounts(
  db: Queryable,
  records: RefreshRecord[],
  name?: string,
): Promise<RefreshRecord[]> {
  if (records.length === 0) return records;
  const { rows } = await db.query(
    `SELECT refresh_id, expectation, action, rows_passed, rows_failed FROM dtlab.expectation_results
      ${name ? 'WHERE name = $1' : ''} ORDER BY refresh_id, expectation`,
    name ? [name] : [],
  );
  const byId = new Map<number, ExpectationCount[]>();
  for (const r of rows) {
    const list = byId.get(Number(r[0])) ?? [];
    list.push({
      expectation: String(r[1]),
      action: String(r[2]) as ExpectationCount['action'],
      rowsPassed: Number(r[3]),
      rowsFailed: Number(r[4]),
    });
    byId.set(Number(r[0]), list);
  }
  return records.map((r) => {
    const counts = byId.get(r.refreshId);
    return counts ? { ...r, expectations: counts } : r;
  });
}
