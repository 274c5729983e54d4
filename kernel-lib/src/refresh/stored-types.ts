/**
 * Whether a DT's storage still holds what its query gives. A column whose type the DDL did not declare was
 * typed by the query at CREATE; when a source column's type changes since (ALTER … TYPE, a table or view
 * replaced), the query's result may have another type, and a recompute inserting it would cast every value
 * into the old one silently (1.25 into a BIGINT column is 1). Before such a recompute (REINITIALIZE, or FULL
 * of a DT reading a view, whose result types the engine cannot see change) the plan reads the query's result
 * types and fails, saying which column, if one differs: the DT needs CREATE OR REPLACE (or the column's type
 * declared), as a Snowflake DT whose base object changed needs to be recreated. Pure: the executor runs it.
 */
import { BackendError, type SqlFamily } from '../backends/backend.js';
import { dialectOf } from '../dialect/index.js';
import type { OutputColumn } from '../plan/full.js';
import { ask, type RefreshPlan, run } from './steps.js';

export function* storedTypesHold(
  family: SqlFamily,
  dt: { name: string; sources: { name: string }[] },
  select: string,
  columns: readonly OutputColumn[],
): RefreshPlan<void> {
  // A declared column is cast to its type by the refresh SELECT; only the others take the query's.
  if (columns.every((c) => c.type !== undefined || c.stored === undefined)) return;
  const { setup, read, cleanup } = dialectOf(family).resultTypes(select);
  const sources = dt.sources.map((s) => s.name);
  const answers = yield [
    ...setup.map((sql) => run("make the query's result describable", sql, sources, [])),
    ask("read the query's result types", read, sources),
    ...cleanup.map((sql) => run('drop what described it', sql, [], [])),
  ];
  const types = (answers[setup.length]?.rows ?? []).map((r) => String(r[0]).toUpperCase());
  const changed = columns.findIndex(
    (c, i) => c.type === undefined && c.stored !== undefined && types[i] !== c.stored.toUpperCase(),
  );
  const column = columns[changed];
  if (!column) return;
  throw new BackendError(
    `${dt.name} needs to be recreated because a base object changed: its query's column ${column.name} is now ${types[changed]}, and ${dt.name} stores ${column.stored} (each value would be cast); CREATE OR REPLACE the dynamic table, or declare the column's type`,
  );
}
