/**
 * The write guard: decides, from a statement's tokens and the dynamic tables' names, whether a pass-through
 * statement could change a dynamic table behind the catalog's back. Pure: text + tokens + names in, a
 * verdict out.
 *
 * A DT's contents come from its query, so every write naming one is refused (DT_ERR_READ_ONLY), wherever
 * the write sits in the statement: after a WITH clause, inside a data-modifying CTE, behind EXPLAIN ANALYZE
 * or PREPARE, as MERGE INTO, with ONLY, schema-qualified (public.dt, main.dt) or quoted, in a multi-table
 * TRUNCATE, with IF EXISTS. `DROP TABLE dt` alone is not refused: the engine drops the DT through the
 * catalog, as DROP DYNAMIC TABLE does (and as Snowflake does). Where the text cannot tell what runs (a DO
 * block, EXECUTE of a prepared statement, CALL of a procedure, a function or rule body) a statement that
 * mentions a DT's name is refused rather than allowed.
 *
 * A DT's quarantine (`dtlab.quarantine_<dt>`, docs/quality.md) is guarded the same way: its rows are the
 * violating rows of the DT's query, written by refreshes and removed by review (READMIT / DISCARD, which are
 * recorded); so are the discarded rows DISCARD keeps (`dtlab.discarded_<dt>`). The guarded set names them
 * qualified (`dtlab.quarantine_x`), as `guardedNames` makes it.
 */
import { DtError } from '../errors.js';
import { identifierName, isKeyword, LexError, significant, type Token, tokenize } from '../sql/lexer.js';
import { positionAt } from '../sql/position.js';
import {
  CREATE_MODIFIERS,
  commentOnColumn,
  copyAt,
  dropSchema,
  dropTable,
  ENGINE_SCHEMA,
  isQuarantine,
  nameAt,
  skipWords,
  targetAt,
  truncateAt,
  type WriteVerdict,
} from './write-targets.js';

export type { WriteVerdict } from './write-targets.js';

/**
 * The names `guardWrite` protects: each DT, and its quarantine tables (`dtlab.quarantine_<dt>` and
 * `dtlab.discarded_<dt>`, as `quarantineOf` names them) qualified.
 */
export function guardedNames(
  dts: readonly string[],
  quarantineOf: (dt: string) => string | string[],
): Set<string> {
  return new Set([
    ...dts,
    ...dts.flatMap((d) => [quarantineOf(d)].flat().map((q) => `${ENGINE_SCHEMA}.${q}`)),
  ]);
}

/** Statement words whose effect the text cannot show: refused when they mention a DT. */
const OPAQUE = ['DO', 'EXECUTE', 'CALL'];

/** Bodies that run later (functions, procedures, rules, triggers): their text is guarded too. */
const BODY_OWNERS = ['FUNCTION', 'PROCEDURE', 'RULE', 'TRIGGER'];

/** Words without which a statement cannot write a table (a cheap test before the catalog is read). */
const WRITE_WORDS = new Set([
  'INSERT',
  'UPDATE',
  'DELETE',
  'MERGE',
  'TRUNCATE',
  'COPY',
  'DROP',
  'ALTER',
  'CREATE',
  'COMMENT',
  ...OPAQUE,
]);

/** Could `tokens` write a table at all? False for plain queries, which then need no look at the catalog. */
export function mayWrite(tokens: Token[]): boolean {
  return tokens.some((t) => t.kind === 'word' && WRITE_WORDS.has(t.text.toUpperCase()));
}

export function guardWrite(sql: string, allTokens: Token[], dts: ReadonlySet<string>): WriteVerdict {
  if (dts.size === 0) return { kind: 'allow' };
  const tokens = significant(allTokens);
  const refuse = (table: string, token: Token, why: string): WriteVerdict => ({
    kind: 'refuse',
    table,
    offset: token.start,
    why,
  });
  const first = tokens[0];
  // EXPLAIN without ANALYZE only plans: nothing runs.
  if (isKeyword(first, 'EXPLAIN') && !tokens.some((t) => isKeyword(t, 'ANALYZE') || isKeyword(t, 'ANALYSE')))
    return { kind: 'allow' };

  const drop = dropTable(tokens, dts) ?? dropSchema(tokens, dts) ?? commentOnColumn(tokens, dts);
  if (drop) return drop;

  for (let i = 0; i < tokens.length; i++) {
    const verdict = targetAt(tokens, i, dts) ?? truncateAt(tokens, i, dts) ?? copyAt(tokens, i, dts);
    if (verdict) return verdict;
  }
  // CREATE [TEMP] TABLE / VIEW named like a DT (shadows it on the search path), triggers and rules on one.
  if (isKeyword(first, 'CREATE')) {
    const owner = tokens.findIndex((t) => isKeyword(t, 'TRIGGER') || isKeyword(t, 'RULE'));
    if (owner >= 0 && owner <= 4) {
      // CREATE TRIGGER … ON table; CREATE RULE … ON event TO table.
      const word = isKeyword(tokens[owner], 'RULE') ? 'TO' : 'ON';
      const on = tokens.findIndex((t, k) => k > owner && isKeyword(t, word));
      const n = on >= 0 ? nameAt(tokens, on + 1) : undefined;
      if (n && dts.has(n.name)) return refuse(n.name, n.token, 'CREATE TRIGGER / RULE on it');
    }
    const kind = skipWords(tokens, 1, CREATE_MODIFIERS);
    if (isKeyword(tokens[kind], 'TABLE') || isKeyword(tokens[kind], 'VIEW')) {
      const n = nameAt(tokens, skipWords(tokens, kind + 1, ['IF', 'NOT', 'EXISTS']));
      if (n && dts.has(n.name))
        return refuse(n.name, n.token, `CREATE ${tokens[kind]?.text.toUpperCase()} of its name`);
    }
  }
  // Text whose effect cannot be read off it: a DO block, EXECUTE, CALL.
  if (OPAQUE.some((w) => isKeyword(first, w))) {
    const mention = mentionIn(sql, allTokens, dts);
    if (mention) return refuse(mention.name, mention.token, `${first?.text.toUpperCase()} may write it`);
  }
  if (isKeyword(first, 'CREATE') && tokens.some((t) => BODY_OWNERS.some((w) => isKeyword(t, w)))) {
    for (const t of tokens.filter((x) => x.kind === 'string')) {
      const inner = bodyVerdict(t, dts);
      if (inner) return inner;
    }
  }
  return { kind: 'allow' };
}

/** The first DT name a statement mentions: as a name, or as a word inside a string (a body, a dynamic SQL text). */
function mentionIn(
  sql: string,
  allTokens: Token[],
  dts: ReadonlySet<string>,
): { name: string; token: Token } | undefined {
  for (const t of allTokens) {
    if ((t.kind === 'word' || t.kind === 'quoted') && dts.has(identifierName(t)))
      return { name: identifierName(t), token: t };
    if (t.kind === 'string') {
      const text = sql.slice(t.start, t.end).toLowerCase();
      for (const name of dts) {
        const at = wordIndex(text, name.toLowerCase());
        if (at >= 0) return { name, token: { ...t, start: t.start + at } };
      }
    }
  }
  return undefined;
}

/** Index of `word` in `text` as a whole word (not part of a longer name), or -1. */
function wordIndex(text: string, word: string): number {
  let from = 0;
  for (;;) {
    const at = text.indexOf(word, from);
    if (at < 0) return -1;
    const before = text[at - 1] ?? ' ';
    const after = text[at + word.length] ?? ' ';
    if (!/[A-Za-z0-9_$]/.test(before) && !/[A-Za-z0-9_$]/.test(after)) return at;
    from = at + 1;
  }
}

/** A function / procedure / rule body held in a string: guarded as SQL; refused when unreadable and naming a DT. */
function bodyVerdict(t: Token, dts: ReadonlySet<string>): WriteVerdict | undefined {
  const open = t.text.startsWith('$') ? (/^\$[A-Za-z_0-9]*\$/.exec(t.text)?.[0] ?? '$$') : "'";
  const body = t.text.slice(open.length, t.text.length - open.length);
  const at = t.start + open.length;
  let inner: Token[];
  try {
    inner = tokenize(body);
  } catch (e) {
    if (!(e instanceof LexError)) throw e;
    const i = [...dts].map((n) => wordIndex(body.toLowerCase(), n)).find((x) => x >= 0);
    return i === undefined
      ? undefined
      : { kind: 'refuse', table: [...dts][0] as string, offset: at + i, why: 'a body that may write it' };
  }
  // Each statement of the body, as if it were run: a write naming a DT, or dynamic SQL mentioning one.
  const shifted = (v: WriteVerdict): WriteVerdict =>
    v.kind === 'allow' ? v : { ...v, offset: at + v.offset };
  let start = 0;
  for (let k = 0; k <= inner.length; k++) {
    const tk = inner[k];
    if (tk && tk.kind !== 'semicolon') continue;
    const part = inner.slice(start, k);
    start = k + 1;
    const words = significant(part);
    if (words.length === 0) continue;
    const v = guardWrite(body, part, dts);
    if (v.kind !== 'allow')
      return shifted(v.kind === 'drop' ? { ...v, kind: 'refuse', why: 'DROP TABLE' } : v);
    if (words.some((w) => isKeyword(w, 'EXECUTE'))) {
      const m = mentionIn(body, part, dts);
      if (m)
        return {
          kind: 'refuse',
          table: m.name,
          offset: at + m.token.start,
          why: 'dynamic SQL that may write it',
        };
    }
  }
  return undefined;
}

/** The DT_ERR_READ_ONLY error of a refusal, positioned at the DT's name in `sql`. */
export function readOnlyError(verdict: Extract<WriteVerdict, { kind: 'refuse' }>, sql: string): DtError {
  if (isQuarantine(verdict.table))
    return new DtError(
      'DT_ERR_READ_ONLY',
      `${verdict.table} is ${verdict.table.startsWith(`${ENGINE_SCHEMA}.discarded_`) ? "the discarded rows of a dynamic table's quarantine" : "a dynamic table's quarantine"}: refreshes write its rows (${verdict.why} is refused); review them with ALTER DYNAMIC TABLE … READMIT | DISCARD QUARANTINED ROWS, which are recorded`,
      { position: positionAt(sql, verdict.offset), sql },
    );
  return new DtError(
    'DT_ERR_READ_ONLY',
    `${verdict.table} is a dynamic table: its contents come from its query and cannot be written directly (${verdict.why}); change its sources, or redefine it with CREATE OR REPLACE DYNAMIC TABLE (DROP DYNAMIC TABLE removes it)`,
    { position: positionAt(sql, verdict.offset), sql },
  );
}
