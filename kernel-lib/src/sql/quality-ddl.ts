/**
 * The data-metric-function grammar (Snowflake's spelling), parsed on the shared Cursor so every error is
 * positioned:
 *
 *   ALTER [DYNAMIC] TABLE t SET DATA_METRIC_SCHEDULE = '5 MINUTE' | 'USING CRON …' | 'TRIGGER_ON_CHANGES' | ''
 *   ALTER [DYNAMIC] TABLE t UNSET DATA_METRIC_SCHEDULE
 *   ALTER [DYNAMIC] TABLE t ADD DATA METRIC FUNCTION f ON (args) [EXPECTATION e (VALUE = 0)] [, f ON (…) …]
 *   ALTER [DYNAMIC] TABLE t DROP DATA METRIC FUNCTION f ON (args) [, …]
 *   CREATE [OR REPLACE] DATA METRIC FUNCTION [IF NOT EXISTS] f(arg_t TABLE(c NUMBER, …) [, arg_t2 TABLE(…)])
 *     RETURNS NUMBER [COMMENT = '…'] AS '<query over arg_t>'
 *   DROP DATA METRIC FUNCTION [IF EXISTS] f
 *   SHOW DATA METRIC FUNCTIONS [LIKE 'pattern']
 *
 * Arguments of ON (…): a column, `TABLE(other(col, …))` (a second table, for referential checks), or a lambda
 * `c -> <condition>` (ACCEPTED_VALUES). Parsing is pure; whether names and types fit is quality/*'s job.
 */
import type { SourcePosition } from '../errors.js';

export { DMF_SCHEDULE_MINUTES, type DmfSchedule } from './dmf-schedule.js';
export { type Expectation, type ExpectationTerm, expectationMet } from './expectation.js';

import { Cursor, end } from './cursor.js';
import { type DmfSchedule, parseSchedule } from './dmf-schedule.js';
import { type Expectation, expectation } from './expectation.js';
import { identifierName, isKeyword, significant, type Token } from './lexer.js';
import { positionAt } from './position.js';

export type DmfArg =
  | { kind: 'column'; name: string; position: SourcePosition }
  | { kind: 'table'; table: string; columns: string[]; position: SourcePosition }
  | { kind: 'lambda'; param: string; body: string; position: SourcePosition };

export interface DmfUse {
  /** Upper case; SNOWFLAKE.CORE.X for system functions, else the custom function's (lower-case) name. */
  metric: string;
  system: boolean;
  position: SourcePosition;
  args: DmfArg[];
  expectation?: Expectation;
}

export interface DmfArgTable {
  name: string;
  columns: { name: string; type: string }[];
}

/** The table an ALTER names, and where. */
export interface TableTarget {
  table: string;
  dynamic: boolean;
  tablePosition: SourcePosition;
}

export type QualityStatement =
  | ({ kind: 'dmf_schedule'; schedule: DmfSchedule | null } & TableTarget)
  | ({ kind: 'dmf_add'; uses: DmfUse[] } & TableTarget)
  | ({ kind: 'dmf_drop_use'; uses: DmfUse[] } & TableTarget)
  | {
      kind: 'create_dmf';
      orReplace: boolean;
      ifNotExists: boolean;
      name: string;
      args: DmfArgTable[];
      returns: string;
      comment?: string;
      body: string;
      bodyPosition: SourcePosition;
    }
  | { kind: 'drop_dmf'; ifExists: boolean; name: string }
  | { kind: 'show_dmfs'; like?: string };

/** The statement if it is one of the DMF statements, else undefined (another grammar's, or passthrough). */
export function parseQualityStatement(sql: string, tokens: Token[]): QualityStatement | undefined {
  const sig = significant(tokens);
  const c = new Cursor(sql, sig);
  const at = (t: Token | undefined) => positionAt(sql, t ? t.start : sql.length);
  if (c.accept('CREATE')) {
    const orReplace = c.accept('OR', 'REPLACE');
    c.accept('SECURE');
    if (!c.accept('DATA', 'METRIC', 'FUNCTION')) return undefined;
    return createDmf(c, orReplace, at);
  }
  if (c.accept('DROP', 'DATA', 'METRIC', 'FUNCTION')) {
    const ifExists = c.accept('IF', 'EXISTS');
    const name = c.identifier('a data metric function name');
    if (c.acceptOp('(')) skipParens(c);
    end(c);
    return { kind: 'drop_dmf', ifExists, name };
  }
  if (c.accept('SHOW', 'DATA', 'METRIC', 'FUNCTIONS')) {
    if (!c.accept('LIKE')) {
      end(c);
      return { kind: 'show_dmfs' };
    }
    const like = c.string('a LIKE pattern');
    end(c);
    return { kind: 'show_dmfs', like };
  }
  if (!c.accept('ALTER')) return undefined;
  const dynamic = c.accept('DYNAMIC');
  if (!c.accept('TABLE')) return undefined;
  // Only the DMF clauses are ours: look past the name before committing.
  const clause = [1, 2].map((k) => c.peek(k)?.text.toUpperCase()).join(' ');
  const ours = /^(SET|UNSET) DATA_METRIC_SCHEDULE$|^(ADD|DROP) DATA$/.test(clause);
  if (!ours) return undefined;
  const tableToken = c.peek();
  const target: TableTarget = { table: c.identifier('a table name'), dynamic, tablePosition: at(tableToken) };
  if (c.accept('UNSET', 'DATA_METRIC_SCHEDULE')) {
    end(c);
    return { kind: 'dmf_schedule', ...target, schedule: null };
  }
  if (c.accept('SET', 'DATA_METRIC_SCHEDULE')) {
    c.expectOp('=');
    const t = c.peek();
    const text = c.string("a schedule such as '5 MINUTE' or 'TRIGGER_ON_CHANGES'");
    end(c);
    return { kind: 'dmf_schedule', ...target, schedule: parseSchedule(c, text, t) };
  }
  const add = c.accept('ADD');
  if (!add) c.expect('DROP');
  const uses: DmfUse[] = [];
  do {
    c.expect('DATA', 'METRIC', 'FUNCTION');
    uses.push(dmfUse(c, sql, add, at));
  } while (c.acceptOp(','));
  end(c);
  return { kind: add ? 'dmf_add' : 'dmf_drop_use', ...target, uses };
}

function skipParens(c: Cursor): void {
  for (let depth = 1; depth > 0; ) {
    const t = c.next();
    if (!t) c.fail("expected ')'");
    if (t.kind === 'op' && t.text === '(') depth++;
    if (t.kind === 'op' && t.text === ')') depth--;
  }
}

/** f [ON (args)] [EXPECTATION e (expr)]; `f` may be SNOWFLAKE.CORE.X. */
function dmfUse(c: Cursor, sql: string, add: boolean, at: (t: Token | undefined) => SourcePosition): DmfUse {
  const first = c.peek();
  const parts: string[] = [];
  do {
    const t = c.peek();
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted')) c.fail('expected a data metric function name');
    c.next();
    parts.push(identifierName(t));
  } while (c.acceptOp('.'));
  const qualified = parts.join('.').toUpperCase();
  const system = parts.length === 3 && qualified.startsWith('SNOWFLAKE.CORE.');
  if (parts.length > 1 && !system)
    c.fail(
      'a qualified data metric function must be SNOWFLAKE.CORE.<name>; custom functions use a plain name',
      first,
    );
  c.expect('ON');
  c.expectOp('(');
  const args: DmfArg[] = [];
  if (!c.acceptOp(')')) {
    do args.push(dmfArg(c, sql, at));
    while (c.acceptOp(','));
    c.expectOp(')');
  }
  const use: DmfUse = {
    metric: system ? (parts[2] as string).toUpperCase() : (parts[0] as string),
    system,
    position: at(first),
    args,
  };
  if (add && c.accept('EXPECTATION')) use.expectation = expectation(c, sql);
  return use;
}

function dmfArg(c: Cursor, sql: string, at: (t: Token | undefined) => SourcePosition): DmfArg {
  const t = c.peek();
  if (isKeyword(t, 'TABLE') && c.peek(1)?.text === '(') {
    c.next();
    c.next();
    const table = c.identifier('a table name');
    c.expectOp('(');
    const columns = [c.identifier('a column name')];
    while (c.acceptOp(',')) columns.push(c.identifier('a column name'));
    c.expectOp(')');
    c.expectOp(')');
    return { kind: 'table', table, columns, position: at(t) };
  }
  const name = c.identifier('a column name');
  if (!c.acceptOp('->')) return { kind: 'column', name, position: at(t) };
  // The lambda's body: up to the ')' or ',' that closes the argument list at depth 0.
  const start = c.peek();
  if (!start) c.fail('expected a condition after ->');
  let last = start;
  for (let depth = 0; ; ) {
    const u = c.peek();
    if (!u) c.fail("expected ')'");
    if (u.kind === 'op' && u.text === '(') depth++;
    if (u.kind === 'op' && u.text === ')') {
      if (depth === 0) break;
      depth--;
    }
    if (u.kind === 'op' && u.text === ',' && depth === 0) break;
    last = u;
    c.next();
  }
  return {
    kind: 'lambda',
    param: name,
    body: sql.slice((start as Token).start, last.end),
    position: at(t),
  };
}

function createDmf(
  c: Cursor,
  orReplace: boolean,
  at: (t: Token | undefined) => SourcePosition,
): QualityStatement {
  const ifNotExists = c.accept('IF', 'NOT', 'EXISTS');
  if (orReplace && ifNotExists) c.fail('OR REPLACE and IF NOT EXISTS cannot be used together', undefined);
  const name = c.identifier('a data metric function name');
  c.expectOp('(');
  const args: DmfArgTable[] = [];
  do {
    const arg = c.identifier('a table argument name such as arg_t');
    c.expect('TABLE');
    c.expectOp('(');
    const columns: DmfArgTable['columns'] = [];
    do {
      const col = c.identifier('a column argument name');
      const t = c.peek();
      if (t?.kind !== 'word') c.fail('expected a column type such as NUMBER or VARCHAR');
      c.next();
      let type = t.text.toUpperCase();
      if (c.acceptOp('(')) {
        skipParens(c);
      }
      if (type === 'DOUBLE' && c.accept('PRECISION')) type = 'DOUBLE';
      columns.push({ name: col, type });
    } while (c.acceptOp(','));
    c.expectOp(')');
    args.push({ name: arg, columns });
  } while (c.acceptOp(','));
  c.expectOp(')');
  c.expect('RETURNS');
  const rt = c.peek();
  if (!isKeyword(rt, 'NUMBER') && !isKeyword(rt, 'INTEGER') && !isKeyword(rt, 'FLOAT'))
    c.fail('a data metric function RETURNS NUMBER');
  c.next();
  if (c.acceptOp('(')) skipParens(c);
  c.accept('NOT', 'NULL');
  let comment: string | undefined;
  if (c.accept('COMMENT')) {
    c.expectOp('=');
    comment = c.string('a comment');
  }
  c.expect('AS');
  const bodyToken = c.peek();
  const body = c.string('the metric query');
  end(c);
  if (!/^\s*(select|with)\b/i.test(body))
    c.failOption('the body of a data metric function must be a SELECT returning one number', bodyToken);
  return {
    kind: 'create_dmf',
    orReplace,
    ifNotExists,
    name,
    args,
    returns: 'NUMBER',
    ...(comment === undefined ? {} : { comment }),
    body,
    bodyPosition: at(bodyToken),
  };
}

const QUALITY_KINDS = new Set([
  'dmf_schedule',
  'dmf_add',
  'dmf_drop_use',
  'create_dmf',
  'drop_dmf',
  'show_dmfs',
]);

/** Whether a parsed statement is one of this grammar's. */
export function isQualityStatement(s: { kind: string }): s is QualityStatement {
  return QUALITY_KINDS.has(s.kind);
}
