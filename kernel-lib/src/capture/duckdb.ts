/**
 * Change capture on DuckDB, which has no triggers: every write a learner makes goes through the engine
 * (`%%sql`, the API, the simulator, RF1/RF2), which rewrites INSERT / UPDATE / DELETE on a captured table so
 * that the changed rows land in its change table in the same transaction. Deleted and updated rows are read
 * before the write (with the statement's own WHERE clause); inserted and updated rows come back through
 * RETURNING. Every captured statement takes the next value of one sequence, and the engine serialises
 * captured writes with refreshes, so "changes after position p" is simply `_seq > p`.
 * Statements the engine cannot capture row by row (TRUNCATE, COPY, INSERT OR REPLACE, UPDATE … FROM …)
 * are recorded as an untracked-change event: dependents then REINITIALIZE and say why.
 */
import { BackendError, quoteIdent, sqlLiteral, type Value } from '../backends/backend.js';
import { identifierName, isKeyword, significant, type Token } from '../sql/lexer.js';
import { notMark, PRUNED } from './marks.js';
import { sameRowsAfterUpdate } from './update-rows.js';

export const changeTable = (source: string) => `dtlab.${quoteIdent(`chg_${source}`)}`;

export const DUCKDB_CAPTURE_DDL = [
  'CREATE SCHEMA IF NOT EXISTS dtlab',
  'CREATE SEQUENCE IF NOT EXISTS dtlab.capture_seq',
  'CREATE TABLE IF NOT EXISTS dtlab.capture_events (source VARCHAR NOT NULL, _seq BIGINT NOT NULL, kind VARCHAR NOT NULL)',
];

export function duckdbInstallCapture(source: string): string[] {
  return [
    ...DUCKDB_CAPTURE_DDL,
    `CREATE TABLE ${changeTable(source)} AS
       SELECT CAST(NULL AS BIGINT) AS _seq, CAST(NULL AS SMALLINT) AS _w, * FROM ${quoteIdent(source)} LIMIT 0`,
  ];
}

/**
 * A captured INSERT's rows go into the change table first, so a row of the wrong width fails there, naming
 * the change table and counting its two own columns (_seq, _w). Such an error is given back in the terms of
 * the statement as written: its table and its columns.
 */
export function inSourceTerms(e: unknown): unknown {
  const width = /table chg_(\S+) has (\d+) columns but (\d+) values were supplied/;
  const m = e instanceof BackendError ? width.exec(e.message) : null;
  if (!m || !(e instanceof BackendError)) return e;
  const [, table, columns, values] = m;
  const said = `table ${table} has ${Number(columns) - 2} columns but ${Number(values) - 2} values were supplied`;
  return new BackendError(e.message.replace(m[0], said), undefined, e.sqlState);
}

export function duckdbRemoveCapture(source: string): string[] {
  return [
    `DROP TABLE IF EXISTS ${changeTable(source)}`,
    `DELETE FROM dtlab.capture_events WHERE source = ${sqlLiteral(source)}`,
  ];
}

/**
 * Run as the engine opens (dialect `engineDdl`): the sequence exists and has drawn a number, so that
 * `DUCKDB_CURRENT_POSITION` answers from then on (DuckDB's `currval` fails on a sequence that never drew).
 * The number drawn numbers no row: positions and change rows are only compared.
 */
export const DUCKDB_SEQUENCE_DRAWN = [
  'CREATE SCHEMA IF NOT EXISTS dtlab',
  'CREATE SEQUENCE IF NOT EXISTS dtlab.capture_seq',
  "SELECT nextval('dtlab.capture_seq')",
];

/**
 * The position now, as `DUCKDB_POSITION` gives it, in a fraction of its time (a refresh's one statement of
 * what moves, catalog/moving-metadata.ts): `currval` is the sequence's last value for every connection.
 */
export const DUCKDB_CURRENT_POSITION = "CAST(currval('dtlab.capture_seq') AS VARCHAR)";

/** The position now: the sequence's last value (0 before any captured write). */
export const DUCKDB_POSITION = `SELECT CAST(coalesce(max(last_value), 0) AS VARCHAR) FROM duckdb_sequences()
  WHERE schema_name = 'dtlab' AND sequence_name = 'capture_seq'`;

/**
 * Inserted and deleted counts since position `$1`, whether an uncapturable write happened, and whether change
 * rows past `$1` were pruned (capture/marks.ts).
 */
export function duckdbWindowSummary(source: string): string {
  const chg = changeTable(source);
  const event = (kind: string) =>
    `EXISTS (SELECT 1 FROM dtlab.capture_events WHERE source = $2 AND ${kind} AND _seq > CAST($1 AS BIGINT))`;
  // One scan of the change table for both counts.
  return `SELECT count(*) FILTER (WHERE _w > 0), count(*) FILTER (WHERE _w < 0),
      ${event(notMark)}, ${event(`kind = '${PRUNED}'`)}
      FROM ${chg} WHERE _seq > CAST($1 AS BIGINT)`;
}

export function duckdbWindowRows(source: string): string {
  return `SELECT * FROM ${changeTable(source)} WHERE _seq > CAST($1 AS BIGINT)`;
}

/**
 * Garbage collection (capture/marks.ts): rows at or before every incrementally refreshed consumer's position
 * are deleted (every row, when all consumers refresh in FULL mode), and the newest deleted `_seq` is kept
 * as the source's pruning mark.
 */
export function duckdbCollectGarbage(source: string): string[] {
  const name = sqlLiteral(source);
  const cutoff = `coalesce(
      (SELECT min(CAST(p.position AS BIGINT)) FROM dtlab.capture_positions p
         LEFT JOIN dtlab.dynamic_tables d ON d.name = p.dt_name
        WHERE p.source = ${name} AND d.effective_mode IS DISTINCT FROM 'FULL'),
      (SELECT max(last_value) FROM duckdb_sequences() WHERE schema_name = 'dtlab' AND sequence_name = 'capture_seq'))`;
  const marks = `dtlab.capture_events WHERE source = ${name} AND kind = '${PRUNED}'`;
  return [
    `INSERT INTO dtlab.capture_events SELECT ${name}, max(_seq), '${PRUNED}'
       FROM ${changeTable(source)} WHERE _seq <= ${cutoff} HAVING count(*) > 0`,
    `DELETE FROM ${marks} AND _seq < (SELECT max(_seq) FROM ${marks})`,
    `DELETE FROM ${changeTable(source)} WHERE _seq <= ${cutoff}`,
  ];
}

/** How to run one write on a captured table. */
export type CapturePlan =
  | {
      kind: 'captured';
      table: string;
      /** Statements to run first (they use `$seq`, replaced by the statement's sequence number). */
      before: string[];
      /** The write itself, possibly with RETURNING * appended. */
      write: string;
      /** Weight of the rows RETURNING gives back, if any are to be recorded. */
      returning?: 1 | -1;
      /** Statements to run after the write (`$seq` as in `before`). */
      after?: string[];
    }
  | { kind: 'untracked'; table: string; reason: string; ddl?: boolean };

/** Top-level tokens (outside parentheses) with their index in `tokens`. */
function topLevel(tokens: Token[]): Token[] {
  const out: Token[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'op' && t.text === '(') depth++;
    else if (t.kind === 'op' && t.text === ')') depth--;
    else if (depth === 0) out.push(t);
  }
  return out;
}

const nameAt = (t: Token | undefined) =>
  t && (t.kind === 'word' || t.kind === 'quoted') ? identifierName(t) : undefined;
const isDot = (t: Token | undefined) => t?.kind === 'op' && t.text === '.';

/**
 * The table a (possibly qualified) name at `top[i]` names, and the index of its last part. `main.t` is the
 * table `t` of the default schema; a name in any other schema or database is reported as `other` (a table
 * of the same name elsewhere is not the captured one, and must never be written as if it were).
 */
function tableAt(top: Token[], i: number): { table: string | undefined; last: number; other: boolean } {
  let last = i;
  const parts = [nameAt(top[i])];
  while (isDot(top[last + 1])) {
    last += 2;
    parts.push(nameAt(top[last]));
  }
  const table = parts.at(-1);
  const other = parts.length > 2 || (parts.length === 2 && parts[0] !== 'main');
  return { table, last, other };
}
const has = (tokens: Token[], kw: string) => tokens.some((t) => isKeyword(t, kw));

/**
 * Decides how to capture `sql` (one statement) if it writes one of `captured`; undefined if it writes none.
 * Pure: text in, plan out.
 */
export function planCapture(
  sql: string,
  allTokens: Token[],
  captured: { has(table: string): boolean },
): CapturePlan | undefined {
  const tokens = significant(allTokens);
  const top = topLevel(tokens);
  const [first, second, third] = top;
  const untracked = (table: string, reason: string): CapturePlan => ({ kind: 'untracked', table, reason });

  if (isKeyword(first, 'INSERT')) {
    const into = top.findIndex((t) => isKeyword(t, 'INTO'));
    const { table, last, other } = tableAt(top, into + 1);
    if (!table || !captured.has(table)) return undefined;
    if (other) return untracked(table, 'a write to a table of that name in another schema is not captured');
    if (isKeyword(second, 'OR') || has(top, 'CONFLICT') || has(top, 'RETURNING')) {
      return untracked(table, 'INSERT OR REPLACE / ON CONFLICT / RETURNING is not captured row by row');
    }
    // The token after the table name, parentheses included (a column list starts with one).
    const source = tokens[tokens.indexOf(top[last] as Token) + 1];
    if (source && ['SELECT', 'VALUES', 'WITH', 'FROM'].some((kw) => isKeyword(source, kw))) {
      // All columns, in order: the rows go to the change table first and from there into the table, so they
      // never travel through the engine (RETURNING would bring every row back and send it again as text).
      const chg = changeTable(table);
      return {
        kind: 'captured',
        table,
        before: [`INSERT INTO ${chg} SELECT $seq, 1, * FROM (${sql.slice(source.start)}) AS dtlab_rows`],
        write: `INSERT INTO ${quoteIdent(table)} SELECT * EXCLUDE (_seq, _w) FROM ${chg} WHERE _seq = $seq`,
      };
    }
    return { kind: 'captured', table, before: [], write: `${sql} RETURNING *`, returning: 1 };
  }
  if (isKeyword(first, 'DELETE') && isKeyword(second, 'FROM')) {
    const { table, other } = tableAt(top, 2);
    if (!table || !captured.has(table)) return undefined;
    if (other) return untracked(table, 'a write to a table of that name in another schema is not captured');
    if (has(top, 'RETURNING')) return untracked(table, 'DELETE … RETURNING is not captured row by row');
    if (has(top, 'USING'))
      return { kind: 'captured', table, before: [], write: `${sql} RETURNING *`, returning: -1 };
    const rest = sql.slice((third as Token).start);
    return {
      kind: 'captured',
      table,
      before: [`INSERT INTO ${changeTable(table)} SELECT $seq, -1, * FROM ${rest}`],
      write: sql,
    };
  }
  if (isKeyword(first, 'UPDATE')) {
    const { table, other } = tableAt(top, 1);
    if (!table || !captured.has(table)) return undefined;
    if (other) return untracked(table, 'a write to a table of that name in another schema is not captured');
    if (has(top, 'FROM') || has(top, 'RETURNING')) {
      return untracked(table, 'UPDATE … FROM / RETURNING is not captured row by row');
    }
    const set = top.find((t) => isKeyword(t, 'SET')) as Token;
    const where = top.find((t) => isKeyword(t, 'WHERE'));
    const target = sql.slice((second as Token).start, set.start);
    const condition = where ? sql.slice(where.start) : '';
    const copy = (weight: number) =>
      `INSERT INTO ${changeTable(table)} SELECT $seq, ${weight}, * FROM ${target} ${condition}`;
    const setAt = tokens.indexOf(set);
    const whereAt = where ? tokens.indexOf(where) : tokens.length;
    if (sameRowsAfterUpdate(tokens.slice(setAt + 1, whereAt), tokens.slice(whereAt + 1)))
      return { kind: 'captured', table, before: [copy(-1)], write: sql, after: [copy(1)] };
    return { kind: 'captured', table, before: [copy(-1)], write: `${sql} RETURNING *`, returning: 1 };
  }
  // A write under a WITH clause, or a MERGE: not captured row by row, so recorded as an untracked change of
  // the captured table it writes (its readers reinitialize) rather than missed.
  if (isKeyword(first, 'WITH') || isKeyword(first, 'MERGE')) {
    for (let i = 0; i < tokens.length - 1; i++) {
      const t = tokens[i];
      const into = isKeyword(tokens[i + 1], 'INTO') || isKeyword(tokens[i + 1], 'FROM');
      const at = isKeyword(t, 'UPDATE')
        ? i + 1
        : (isKeyword(t, 'INSERT') || isKeyword(t, 'MERGE') || isKeyword(t, 'DELETE')) && into
          ? i + 2
          : -1;
      if (at < 0) continue;
      const { table } = tableAt(tokens, at);
      if (table && captured.has(table))
        return untracked(table, 'a write under WITH, or a MERGE, is not captured row by row');
    }
    return undefined;
  }
  // Writes that replace or bypass rows wholesale.
  const wholesale: [string[], number][] = [
    [['TRUNCATE'], 1],
    [['TRUNCATE', 'TABLE'], 2],
    [['COPY'], 1],
    [['DROP', 'TABLE'], 2],
    [['ALTER', 'TABLE'], 2],
    [['CREATE', 'OR', 'REPLACE', 'TABLE'], 4],
  ];
  for (const [words, at] of [...wholesale].reverse()) {
    if (words.every((w, i) => isKeyword(top[i], w))) {
      const { table } = tableAt(top, at);
      if (table && captured.has(table)) {
        const reason = `${words.join(' ')} changes rows without capture`;
        const ddl = words[0] !== 'TRUNCATE' && words[0] !== 'COPY';
        return { kind: 'untracked', table, reason, ...(ddl ? { ddl } : {}) };
      }
      return undefined;
    }
  }
  return undefined;
}

/**
 * A number of the change tables' sequence drawn into the connection's variable `name` (SET VARIABLE; DuckDB
 * folds `getvariable` to a constant as it binds): `draw` is a statement whose answer nobody reads, so it goes
 * to the worker with the next call instead of a call of its own; `seq` stands for the number in later
 * statements of the same transaction. Used for captured writes and for a DT that others read recording its
 * own changes.
 */
export function drawnSeq(name: string): { draw: string; seq: string } {
  return { draw: `SET VARIABLE ${name} = nextval('dtlab.capture_seq')`, seq: `getvariable('${name}')` };
}

/** INSERT statements recording RETURNING rows in the change table, in chunks. */
export function recordRows(
  table: string,
  /** The statement's number, as SQL. */
  seq: string,
  weight: 1 | -1,
  rows: Value[][],
  chunk = 1000,
): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += chunk) {
    const values = rows
      .slice(i, i + chunk)
      .map((r) => `(${seq}, ${weight}, ${r.map(sqlLiteral).join(', ')})`)
      .join(', ');
    out.push(`INSERT INTO ${changeTable(table)} VALUES ${values}`);
  }
  return out;
}
