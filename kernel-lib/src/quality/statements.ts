/**
 * The DMF statements, executed: each checks everything first (the table, the function, its arguments and the
 * columns' types) and then writes the catalog in one transaction, so a refused statement changes nothing.
 */
import { type Backend, formatTimestamp, type ResultColumn, type Value } from '../backends/backend.js';
import { describeColumns } from '../catalog/catalog.js';
import { DtError, type ErrorCode, messageOf, type SourcePosition } from '../errors.js';
import { closest } from '../magics/words.js';
import type { DmfArg, DmfUse, QualityStatement, TableTarget } from '../sql/quality-ddl.js';
import { translateSql } from '../sql/translate.js';
import {
  type Association,
  insertAssociation,
  listAssociations,
  listCustomDmfs,
  listSchedules,
  referenceId,
  setSchedule,
} from './catalog.js';
import { customProbeSql, declaredClass, SYSTEM_METRIC_NAMES, SYSTEM_METRICS, typeClass } from './metrics.js';
import { showDmfs } from './show.js';

export interface QualityContext {
  backend: Backend;
  now(): number;
  /** Names of the dynamic tables. */
  dynamicTables(): Promise<string[]>;
}

export type QualityOutcome =
  | { kind: 'status'; message: string; table?: string }
  | { kind: 'table'; columns: ResultColumn[]; rows: Value[][] };

/** The default schedule of a table with DMFs and no schedule of its own (Snowflake's default: one hour). */
export const DEFAULT_SCHEDULE = '60 MINUTE';

const fail = (code: ErrorCode, message: string, position?: SourcePosition, sql?: string): never => {
  throw new DtError(code, message, position ? { position, ...(sql ? { sql } : {}) } : {});
};

export async function runQualityStatement(
  ctx: QualityContext,
  s: QualityStatement,
  sql: string,
): Promise<QualityOutcome> {
  const db = ctx.backend;
  switch (s.kind) {
    case 'dmf_schedule': {
      await requireTable(ctx, s, sql);
      const text =
        s.schedule === null
          ? DEFAULT_SCHEDULE
          : s.schedule.kind === 'none'
            ? ''
            : s.schedule.kind === 'trigger_on_changes'
              ? 'TRIGGER_ON_CHANGES'
              : s.schedule.kind === 'cron'
                ? s.schedule.text
                : `${s.schedule.minutes} MINUTE`;
      await db.transaction((tx) => setSchedule(tx, s.table, text, ctx.now()));
      return { kind: 'status', message: `Statement executed successfully.`, table: s.table };
    }
    case 'dmf_add': {
      const columns = await requireTable(ctx, s, sql);
      const current = await listAssociations(db, s.table);
      const existing = new Set(current.map((a) => a.referenceId));
      const adding: Association[] = [];
      for (const use of s.uses) {
        const a = await checkUse(ctx, s.table, columns, use, sql);
        if (existing.has(a.referenceId) || adding.some((x) => x.referenceId === a.referenceId))
          fail(
            'DT_ERR_EXISTS',
            `${a.metric} is already associated with ${s.table} on these arguments`,
            use.position,
            sql,
          );
        adding.push(a);
      }
      const schedules = await listSchedules(db);
      await db.transaction(async (tx) => {
        for (const [i, a] of adding.entries()) await insertAssociation(tx, a, ctx.now(), current.length + i);
        if (!schedules.some((x) => x.table === s.table))
          await setSchedule(tx, s.table, DEFAULT_SCHEDULE, ctx.now());
      });
      return { kind: 'status', message: 'Statement executed successfully.', table: s.table };
    }
    case 'dmf_drop_use': {
      await requireTable(ctx, s, sql);
      const existing = new Set((await listAssociations(db, s.table)).map((a) => a.referenceId));
      const ids = s.uses.map((u) => {
        const id = referenceId(s.table, metricName(u), u.args);
        if (!existing.has(id))
          fail(
            'DT_ERR_UNKNOWN_OBJECT',
            `${metricName(u)} is not associated with ${s.table} on these arguments`,
            u.position,
            sql,
          );
        return id;
      });
      await db.transaction(async (tx) => {
        for (const id of ids)
          await tx.query('DELETE FROM dtlab.dmf_associations WHERE reference_id = $1', [id]);
      });
      return { kind: 'status', message: 'Statement executed successfully.', table: s.table };
    }
    case 'create_dmf': {
      const exists = (await listCustomDmfs(db)).some((f) => f.name === s.name);
      if (exists && s.ifNotExists)
        return { kind: 'status', message: `${s.name.toUpperCase()} already exists, statement succeeded.` };
      if (exists && !s.orReplace)
        fail('DT_ERR_EXISTS', `data metric function ${s.name} already exists (use OR REPLACE)`);
      // The backend judges the body over empty arguments of the declared types.
      const probe = customProbeSql(
        s.body,
        s.args.map((a) => ({
          arg: a.name,
          columns: a.columns.map((c) => ({ param: c.name, type: c.type })),
        })),
      );
      try {
        await db.query(translateSql(probe, db.family, { now: ctx.now() }).text);
      } catch (e) {
        fail('DT_ERR_QUERY', `the body of ${s.name} does not run: ${messageOf(e)}`, s.bodyPosition, sql);
      }
      await db.transaction(async (tx) => {
        await tx.query('DELETE FROM dtlab.dmf_functions WHERE name = $1', [s.name]);
        await tx.query(
          `INSERT INTO dtlab.dmf_functions (name, args, returns, body, comment, created_on)
           VALUES ($1, $2, $3, $4, $5, CAST($6 AS TIMESTAMP))`,
          [s.name, JSON.stringify(s.args), s.returns, s.body, s.comment ?? null, formatTimestamp(ctx.now())],
        );
      });
      return { kind: 'status', message: `Function ${s.name.toUpperCase()} successfully created.` };
    }
    case 'drop_dmf': {
      const exists = (await listCustomDmfs(db)).some((f) => f.name === s.name);
      if (!exists) {
        if (s.ifExists)
          return {
            kind: 'status',
            message: 'Drop statement executed successfully (function did not exist).',
          };
        fail('DT_ERR_UNKNOWN_OBJECT', `data metric function ${s.name} does not exist`);
      }
      const users = (await listAssociations(db)).filter((a) => a.schema === 'PUBLIC' && a.metric === s.name);
      if (users.length > 0)
        fail(
          'DT_ERR_METRIC',
          `data metric function ${s.name} is still associated with ${[...new Set(users.map((u) => u.table))].join(', ')}: ALTER TABLE … DROP DATA METRIC FUNCTION first`,
        );
      await db.transaction((tx) => tx.query('DELETE FROM dtlab.dmf_functions WHERE name = $1', [s.name]));
      return { kind: 'status', message: `${s.name.toUpperCase()} successfully dropped.` };
    }
    case 'show_dmfs':
      return { kind: 'table', ...(await showDmfs(db, s.like)) };
  }
}

const metricName = (u: DmfUse) => (u.system ? u.metric.toUpperCase() : u.metric);

async function requireTable(ctx: QualityContext, s: TableTarget, sql: string) {
  const columns = await describeColumns(ctx.backend, ctx.backend.family, s.table);
  const isDt = (await ctx.dynamicTables()).includes(s.table);
  if (columns.length === 0 || (s.dynamic && !isDt))
    fail(
      'DT_ERR_UNKNOWN_OBJECT',
      `${s.dynamic ? 'dynamic table' : 'table'} ${s.table} does not exist`,
      s.tablePosition,
      sql,
    );
  return columns;
}

/** One `f ON (args) [EXPECTATION …]`: the association, or a positioned DT_ERR_METRIC. */
async function checkUse(
  ctx: QualityContext,
  table: string,
  columns: { name: string; type: string }[],
  use: DmfUse,
  sql: string,
): Promise<Association> {
  const col = async (tableName: string, a: { name: string; position: SourcePosition }, cols = columns) => {
    const c = cols.find((x) => x.name.toLowerCase() === a.name.toLowerCase());
    if (!c) fail('DT_ERR_UNKNOWN_OBJECT', `column ${a.name} does not exist in ${tableName}`, a.position, sql);
    return c as { name: string; type: string };
  };
  const assoc = (schema: 'CORE' | 'PUBLIC'): Association => ({
    referenceId: referenceId(table, metricName(use), use.args),
    table,
    metric: metricName(use),
    schema,
    args: use.args,
    ...(use.expectation ? { expectation: use.expectation } : {}),
  });
  if (use.system) {
    const m = SYSTEM_METRICS[use.metric];
    if (!m) {
      const guess = closest(use.metric, SYSTEM_METRIC_NAMES);
      fail(
        'DT_ERR_METRIC',
        `unknown system data metric function SNOWFLAKE.CORE.${use.metric}${guess ? ` (did you mean ${guess}?)` : ''}; known: ${SYSTEM_METRIC_NAMES.join(', ')}`,
        use.position,
        sql,
      );
    }
    const metric = m as (typeof SYSTEM_METRICS)[string];
    const plain = use.args.filter((a) => a.kind === 'column');
    const lambdas = use.args.filter((a) => a.kind === 'lambda');
    const wrongShape =
      use.args.some((a) => a.kind === 'table') ||
      (metric.columns === 0 && use.args.length > 0) ||
      (metric.columns === 1 && plain.length !== 1) ||
      (metric.columns === 'many' && plain.length < 1) ||
      (metric.lambda ? lambdas.length !== 1 || use.args.length !== 2 : lambdas.length > 0);
    if (wrongShape)
      fail(
        'DT_ERR_METRIC',
        `SNOWFLAKE.CORE.${use.metric} takes ${metric.columns === 0 ? 'no arguments: ON ()' : metric.lambda ? 'a column and a condition: ON (c, c -> c IN (…))' : metric.columns === 1 ? 'one column' : 'one or more columns'}`,
        use.position,
        sql,
      );
    for (const a of plain) {
      const c = await col(table, a as Extract<DmfArg, { kind: 'column' }>);
      if (!metric.types.includes(typeClass(c.type)))
        fail(
          'DT_ERR_METRIC',
          `SNOWFLAKE.CORE.${use.metric} does not take column ${c.name} of type ${c.type}: it takes ${metric.types.join(' or ')} columns`,
          a.position,
          sql,
        );
    }
    return assoc('CORE');
  }
  const f = (await listCustomDmfs(ctx.backend)).find((x) => x.name === use.metric);
  if (!f)
    fail('DT_ERR_UNKNOWN_OBJECT', `data metric function ${use.metric} does not exist`, use.position, sql);
  const fn = f as NonNullable<typeof f>;
  const [first, ...others] = fn.args;
  const plain = use.args.filter((a) => a.kind === 'column');
  const tables = use.args.flatMap((a) => (a.kind === 'table' ? [a] : []));
  const shapeOk =
    first !== undefined &&
    plain.length === first.columns.length &&
    tables.length === others.length &&
    tables.every((t, i) => t.columns.length === (others[i]?.columns.length ?? -1)) &&
    !use.args.some((a) => a.kind === 'lambda');
  if (!shapeOk)
    fail(
      'DT_ERR_METRIC',
      `${fn.name} takes ${fn.args.map((a, i) => (i === 0 ? `${a.columns.length} column(s) of ${table}` : `TABLE(other_table(${a.columns.length} column(s)))`)).join(', ')}`,
      use.position,
      sql,
    );
  const checkType = (c: { name: string; type: string }, declared: string, position: SourcePosition) => {
    const want = declaredClass(declared);
    if (want !== 'any' && typeClass(c.type) !== want)
      fail(
        'DT_ERR_METRIC',
        `${fn.name} takes a ${declared} column here, but ${c.name} is ${c.type}`,
        position,
        sql,
      );
  };
  for (const [i, a] of plain.entries())
    checkType(
      await col(table, a as { name: string; position: SourcePosition }),
      first?.columns[i]?.type ?? '',
      a.position,
    );
  for (const [i, t] of tables.entries()) {
    const cols = await describeColumns(ctx.backend, ctx.backend.family, t.table);
    if (cols.length === 0) fail('DT_ERR_UNKNOWN_OBJECT', `table ${t.table} does not exist`, t.position, sql);
    for (const [j, name] of t.columns.entries())
      checkType(
        await col(t.table, { name, position: t.position }, cols),
        others[i]?.columns[j]?.type ?? '',
        t.position,
      );
  }
  return assoc('PUBLIC');
}

/** A DMF statement's result as the engine returns it: a status message or a result set. */
export async function qualityResult(
  ctx: QualityContext,
  s: QualityStatement,
  sql: string,
): Promise<{ message: string } | { columns: ResultColumn[]; rows: Value[][] }> {
  const r = await runQualityStatement(ctx, s, sql);
  return r.kind === 'status' ? { message: r.message } : { columns: r.columns, rows: r.rows };
}
