/**
 * The one magic grammar every runtime uses. A cell is one of
 *
 *   %%dynamic_table NAME [options as in CREATE DYNAMIC TABLE]   (the query is the rest of the cell)
 *   %%sql [--save NAME]                                         (any SQL, the rest of the cell)
 *   %dt <subcommand> …                                          (one or more lines; blank and # lines skipped)
 *
 * or not a magic at all (`parseCell` returns null, and the runtime hands it to the kernel). Pure: text in,
 * commands out; every error is a DtError whose line and column are the cell's.
 */
import { DtError, isDtError } from '../errors.js';
import { type CreateDynamicTable, parseStatement } from '../sql/ddl.js';
import { LexError, significant, type Token, tokenize } from '../sql/lexer.js';
import { positionAt } from '../sql/position.js';
import { type DtCommand, parseDtLine } from './dt-line.js';
import { closest, magicError, splitWords } from './words.js';

export interface SqlCommand {
  kind: 'sql';
  sql: string;
  /** Offset of `sql` in the cell: engine errors are moved back by it. */
  offset: number;
  save?: string;
}

export interface DynamicTableCommand {
  kind: 'dynamic_table';
  /** The CREATE OR REPLACE DYNAMIC TABLE statement the cell stands for. */
  ddl: string;
  statement: CreateDynamicTable;
  /** Maps an offset of `ddl` to an offset of the cell. */
  toCell: (ddlOffset: number) => number;
}

export type MagicCommand = SqlCommand | DynamicTableCommand | ({ line: number } & DtCommand);

export const CELL_MAGICS = ['dynamic_table', 'sql'] as const;

/**
 * Is this cell ours? Cheap; the runtimes use it to decide who executes the cell. A near miss of our cell
 * magic (%%dynamic_tabel) is ours too, so the user gets "did you mean" rather than a kernel's error.
 */
export function isMagicCell(cell: string): boolean {
  const first = cell.trimStart();
  if (/^%dt(\s|$)/.test(first)) return true;
  const magic = /^%%(\w+)/.exec(first)?.[1];
  // Only the long name gets near misses: %%sh or %%js are a Python kernel's, not typos of %%sql.
  return magic === 'sql' || (magic !== undefined && closest(magic, ['dynamic_table']) !== undefined);
}

export function parseCell(cell: string): MagicCommand[] | null {
  if (!isMagicCell(cell)) return null;
  const start = cell.length - cell.trimStart().length;
  if (cell.startsWith('%%', start)) return [parseCellMagic(cell, start)];
  return parseDtLines(cell);
}

function parseDtLines(cell: string): MagicCommand[] {
  const commands: MagicCommand[] = [];
  let offset = 0;
  for (const text of cell.split('\n')) {
    const lineStart = offset;
    offset += text.length + 1;
    const body = text.trim();
    if (body === '' || body.startsWith('#')) continue;
    const at = lineStart + text.indexOf(body);
    if (!/^%dt(\s|$)/.test(body))
      throw magicError(cell, at, 'a %dt cell holds only %dt lines (put SQL in a %%sql cell)');
    commands.push({ line: positionAt(cell, at).line, ...parseDtLine(cell, at, lineStart + text.length) });
  }
  return commands;
}

function parseCellMagic(cell: string, start: number): MagicCommand {
  const nl = cell.indexOf('\n', start);
  const headerEnd = nl < 0 ? cell.length : nl;
  const bodyStart = nl < 0 ? cell.length : nl + 1;
  const [magic, ...args] = splitWords(cell, start, headerEnd);
  const name = (magic?.text ?? '').slice(2);
  if (name === 'sql') {
    let save: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a?.text === '--save') {
        const v = args[++i];
        if (!v || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(v.text))
          throw magicError(cell, v?.start ?? a.start, '--save needs a name (letters, digits, _)');
        save = v.text;
      } else if (a) {
        const guess = a.text.startsWith('--') ? closest(a.text.slice(2), ['save']) : undefined;
        throw magicError(
          cell,
          a.start,
          `unknown %%sql option '${a.text}'${guess ? ' (did you mean --save?)' : ''}`,
        );
      }
    }
    const sql = cell.slice(bodyStart);
    if (sql.trim() === '') throw magicError(cell, headerEnd, '%%sql needs SQL below the first line');
    return save ? { kind: 'sql', sql, offset: bodyStart, save } : { kind: 'sql', sql, offset: bodyStart };
  }
  if (name === 'dynamic_table')
    return parseDynamicTable(cell, start + (magic?.text.length ?? 0), headerEnd, bodyStart);
  const guess = closest(name, CELL_MAGICS);
  throw magicError(
    cell,
    start,
    `unknown cell magic %%${name}${guess ? ` (did you mean %%${guess}?)` : ''}; expected %%dynamic_table or %%sql`,
  );
}

/**
 * `%%dynamic_table NAME opts` + body → `CREATE OR REPLACE DYNAMIC TABLE NAME opts\nAS\nbody`, parsed by the
 * engine's own DDL grammar. OR REPLACE because re-running a cell is the notebook way to change a definition
 * (Snowflake semantics: the DT is reinitialized). Errors are moved from the DDL back to the cell.
 */
function parseDynamicTable(
  cell: string,
  headerFrom: number,
  headerEnd: number,
  bodyStart: number,
): DynamicTableCommand {
  const header = cell.slice(headerFrom, headerEnd);
  if (header.trim() === '')
    throw magicError(cell, headerEnd, 'expected a dynamic table name after %%dynamic_table');
  const body = cell.slice(bodyStart);
  if (body.trim() === '')
    throw magicError(cell, headerEnd, '%%dynamic_table needs the query below the first line');
  const prefix = 'CREATE OR REPLACE DYNAMIC TABLE';
  const glue = '\nAS\n';
  const ddl = `${prefix}${header}${glue}${body}`;
  const headerAt = prefix.length;
  const bodyAt = headerAt + header.length + glue.length;
  // Text we added maps to the nearest text the user wrote: the header for the prefix, the body's start for AS.
  const toCell = (o: number) =>
    o >= bodyAt
      ? bodyStart + (o - bodyAt)
      : o >= headerAt + header.length
        ? bodyStart
        : headerFrom + Math.max(0, o - headerAt);
  let tokens: Token[];
  try {
    tokens = tokenize(ddl);
  } catch (e) {
    if (e instanceof LexError) throw magicError(cell, toCell(e.offset), e.message);
    throw e;
  }
  // Exactly one query: a second statement after a `;` would run as well (and could drop or write anything).
  const semicolon = tokens.findIndex((t) => t.kind === 'semicolon');
  const extra = semicolon < 0 ? undefined : significant(tokens.slice(semicolon + 1))[0];
  if (extra)
    throw magicError(
      cell,
      toCell(extra.start),
      'a %%dynamic_table cell holds exactly one query; put other statements in a %%sql cell',
    );
  try {
    const statement = parseStatement(ddl, tokens);
    if (statement.kind !== 'create_dynamic_table')
      throw magicError(cell, headerFrom, 'expected a dynamic table name and options');
    return { kind: 'dynamic_table', ddl, statement, toCell };
  } catch (e) {
    // The DDL's "before AS" means nothing in a cell that has no AS: the options go on the first line.
    if (isDtError(e) && e.code === 'DT_ERR_OPTION' && /^TARGET_LAG is required/.test(e.message))
      throw magicError(
        cell,
        headerEnd,
        `TARGET_LAG is required: add it to the first line, e.g. %%dynamic_table ${statementName(header)} TARGET_LAG = '1 minute' (or TARGET_LAG = DOWNSTREAM)`,
        'DT_ERR_OPTION',
      );
    throw moveError(e, cell, toCell);
  }
}

/** The DT name a `%%dynamic_table` header starts with (for messages). */
const statementName = (header: string): string => header.trim().split(/[\s(]/)[0] ?? 'NAME';

/** Re-raises a DtError positioned in generated text at the matching place of the cell. */
export function moveError(e: unknown, cell: string, toCell: (offset: number) => number): unknown {
  if (!isDtError(e) || !e.details.position) return e;
  return new DtError(e.code, e.message, {
    ...e.details,
    position: positionAt(cell, toCell(e.details.position.offset)),
    sql: cell,
    cause: e,
  });
}
