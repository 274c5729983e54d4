/**
 * Snowflake's monitoring table functions, as learners copy them from the documentation:
 * `TABLE([db.]INFORMATION_SCHEMA.DYNAMIC_TABLE_REFRESH_HISTORY(NAME => 'x', RESULT_LIMIT => 10, …))` and
 * `…DYNAMIC_TABLE_GRAPH_HISTORY(AS_OF => …)`. The call becomes one of the engine's own functions in schema
 * dtlab (catalog/monitoring.ts: a PostgreSQL function, a DuckDB table macro) with the same named arguments,
 * plus the engine clock's now, so the default time range follows the lesson clock. Unknown argument names and
 * a literal RESULT_LIMIT outside 1–10000 are refused here, positioned; everything else the backend judges.
 */
import { formatTimestamp } from '../backends/backend.js';
import { DtError } from '../errors.js';
import { identifierName, isKeyword, type Token } from './lexer.js';
import { positionAt } from './position.js';

/** Each function's named arguments (Snowflake's), in our function's parameter names. */
export const MONITORING_FUNCTIONS: Record<string, readonly string[]> = {
  dynamic_table_refresh_history: [
    'data_timestamp_start',
    'data_timestamp_end',
    'result_limit',
    'name',
    'name_prefix',
    'error_only',
  ],
  dynamic_table_graph_history: ['as_of', 'history_start', 'history_end'],
};

export const RESULT_LIMIT_MAX = 10_000;

const meaningful = (t: Token | undefined) => t !== undefined && t.kind !== 'space' && t.kind !== 'comment';

/**
 * `tokens[from, to)` is the argument of `TABLE( … )`. If it is a monitoring call, its replacement text (with
 * the arguments already translated by `translateArg`); otherwise undefined (the text stays as written).
 */
export function monitoringCall(
  sql: string,
  tokens: Token[],
  from: number,
  to: number,
  translateArg: (a: number, b: number) => string,
  now: number | undefined,
): string | undefined {
  const idx: number[] = [];
  for (let k = from; k < to; k++) if (meaningful(tokens[k])) idx.push(k);
  // [db .] information_schema . fn ( … )
  const at = (n: number) => tokens[idx[n] as number];
  const schemaAt = isKeyword(at(0), 'INFORMATION_SCHEMA')
    ? 0
    : isKeyword(at(2), 'INFORMATION_SCHEMA')
      ? 2
      : -1;
  if (schemaAt < 0 || at(schemaAt + 1)?.text !== '.' || at(schemaAt + 3)?.text !== '(') return undefined;
  if (schemaAt === 2 && at(1)?.text !== '.') return undefined;
  const fnToken = at(schemaAt + 2) as Token;
  const fn = identifierName(fnToken);
  const allowed = MONITORING_FUNCTIONS[fn];
  if (!allowed) {
    throw new DtError(
      'DT_ERR_UNKNOWN_OBJECT',
      `INFORMATION_SCHEMA.${fnToken.text} is not available here: DT Lab has ${Object.keys(
        MONITORING_FUNCTIONS,
      )
        .map((f) => f.toUpperCase())
        .join(', ')}`,
      { position: positionAt(sql, fnToken.start), sql },
    );
  }
  const open = idx[schemaAt + 3] as number;
  const close = idx[idx.length - 1] as number;
  if (tokens[close]?.text !== ')') return undefined;
  const args: string[] = [];
  let depth = 0;
  let start = open + 1;
  for (let k = open + 1; k <= close; k++) {
    const t = tokens[k] as Token;
    if (t.kind !== 'op') continue;
    if (t.text === '(') depth++;
    else if (t.text === ')' && k !== close) depth--;
    else if ((t.text === ',' && depth === 0) || k === close) {
      const part = argument(sql, tokens, start, k, allowed, fn, translateArg);
      if (part) args.push(part);
      start = k + 1;
    }
  }
  if (now !== undefined) args.push(`dtlab_now => TIMESTAMP '${formatTimestamp(now)}'`);
  return `dtlab.${fn}(${args.join(', ')})`;
}

function argument(
  sql: string,
  tokens: Token[],
  from: number,
  to: number,
  allowed: readonly string[],
  fn: string,
  translateArg: (a: number, b: number) => string,
): string | undefined {
  const idx: number[] = [];
  for (let k = from; k < to; k++) if (meaningful(tokens[k])) idx.push(k);
  if (idx.length === 0) return undefined;
  const name = tokens[idx[0] as number] as Token;
  const arrow = tokens[idx[1] as number];
  const fail = (code: 'DT_ERR_SYNTAX' | 'DT_ERR_OPTION', message: string, t: Token): never => {
    throw new DtError(code, message, { position: positionAt(sql, t.start), sql });
  };
  if (name.kind !== 'word' || arrow?.text !== '=>' || idx.length < 3)
    fail('DT_ERR_SYNTAX', `expected a named argument (NAME => value) of ${fn.toUpperCase()}`, name);
  const key = name.text.toLowerCase();
  if (!allowed.includes(key))
    fail(
      'DT_ERR_SYNTAX',
      `unknown argument ${name.text} of ${fn.toUpperCase()}: expected ${allowed.map((a) => a.toUpperCase()).join(', ')}`,
      name,
    );
  // A literal limit (signed or not) is checked here, where its position is known.
  const sign = tokens[idx[2] as number] as Token;
  const signed = idx.length === 4 && (sign.text === '-' || sign.text === '+');
  const value = tokens[idx[signed ? 3 : 2] as number] as Token;
  if (key === 'result_limit' && idx.length === (signed ? 4 : 3) && value.kind === 'number') {
    const n = Number(value.text) * (sign.text === '-' ? -1 : 1);
    if (!Number.isInteger(n) || n < 1 || n > RESULT_LIMIT_MAX)
      fail('DT_ERR_OPTION', `RESULT_LIMIT ${n} is out of range: 1 to ${RESULT_LIMIT_MAX}`, sign);
  }
  return `${key} => ${translateArg(idx[2] as number, (idx[idx.length - 1] as number) + 1).trim()}`;
}
