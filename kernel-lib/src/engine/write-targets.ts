/**
 * What the write guard (engine/write-guard.ts) reads off a statement's tokens: the table names it writes
 * (INSERT / UPDATE / DELETE / MERGE targets, ALTER and COMMENT, TRUNCATE and DROP lists, COPY … FROM), each
 * a verdict for a guarded name. Pure.
 */
import { identifierName, isKeyword, type Token } from '../sql/lexer.js';

export type WriteVerdict =
  | { kind: 'allow' }
  /** Refused: `offset` is the DT's name in the statement (or the place that mentions it). */
  | { kind: 'refuse'; table: string; offset: number; why: string }
  /** `DROP TABLE [IF EXISTS] dt`: drop the DT through the catalog. */
  | { kind: 'drop'; table: string; offset: number };

/** Schemas a DT lives in (the current schema on each family); a name qualified by another is not a DT. */
export const DT_SCHEMAS = new Set(['public', 'main']);
/** The engine's schema: its names in the guarded set are qualified (the quarantines). */
export const ENGINE_SCHEMA = 'dtlab';

/** The DT whose quarantine `name` is (a qualified guarded name), if it is one. */
export const isQuarantine = (name: string) => name.startsWith(`${ENGINE_SCHEMA}.`);

/** A table name at `i`: `name`, `schema.name` or `db.schema.name` (the last part, and the token after it). */
export function nameAt(tokens: Token[], i: number): { name: string; token: Token; next: number } | undefined {
  const parts: Token[] = [];
  let j = i;
  for (;;) {
    const t = tokens[j];
    if (!t || (t.kind !== 'word' && t.kind !== 'quoted')) return undefined;
    parts.push(t);
    j++;
    if (!(tokens[j]?.kind === 'op' && tokens[j]?.text === '.')) break;
    j++;
  }
  const last = parts[parts.length - 1] as Token;
  const schema = parts.length > 1 ? identifierName(parts[parts.length - 2] as Token) : undefined;
  if (schema === ENGINE_SCHEMA) return { name: `${schema}.${identifierName(last)}`, token: last, next: j };
  if (schema !== undefined && !DT_SCHEMAS.has(schema)) return { name: '', token: last, next: j };
  return { name: identifierName(last), token: last, next: j };
}

/** Skips the optional words in `skip` from `i` on. */
export function skipWords(tokens: Token[], i: number, skip: readonly string[]): number {
  let j = i;
  while (skip.some((w) => isKeyword(tokens[j], w))) j++;
  return j;
}

/** Names in a comma-separated list from `i` (TRUNCATE a, b; DROP TABLE a, b), with `*` after ONLY-less names. */
export function nameList(tokens: Token[], i: number): { name: string; token: Token }[] {
  const out: { name: string; token: Token }[] = [];
  let j = i;
  for (;;) {
    j = skipWords(tokens, j, ['ONLY']);
    const n = nameAt(tokens, j);
    if (!n) return out;
    out.push({ name: n.name, token: n.token });
    j = n.next;
    if (tokens[j]?.kind === 'op' && tokens[j]?.text === '*') j++;
    if (!(tokens[j]?.kind === 'op' && tokens[j]?.text === ',')) return out;
    j++;
  }
}

/** Words after which a table that will be written is named, and the words that may come in between. */
export const TARGETS: [string[], string[]][] = [
  [['INSERT', 'INTO'], []],
  [['INSERT', 'OR', 'REPLACE', 'INTO'], []],
  [['INSERT', 'OR', 'IGNORE', 'INTO'], []],
  [['MERGE', 'INTO'], ['ONLY']],
  [['UPDATE'], ['ONLY']],
  [['DELETE', 'FROM'], ['ONLY']],
  [
    ['ALTER', 'TABLE'],
    ['IF', 'EXISTS', 'ONLY'],
  ],
  [['COMMENT', 'ON', 'TABLE'], []],
];

/** Words between CREATE and TABLE / VIEW: a table or view named like a DT would replace or shadow it. */
export const CREATE_MODIFIERS = [
  'OR',
  'REPLACE',
  'TEMP',
  'TEMPORARY',
  'UNLOGGED',
  'GLOBAL',
  'LOCAL',
  'MATERIALIZED',
  'RECURSIVE',
];

/** `DROP TABLE [IF EXISTS] list`: one DT alone is dropped through the catalog; a DT among others is refused. */
export function dropTable(tokens: Token[], dts: ReadonlySet<string>): WriteVerdict | undefined {
  if (!(isKeyword(tokens[0], 'DROP') && isKeyword(tokens[1], 'TABLE'))) return undefined;
  const names = nameList(tokens, skipWords(tokens, 2, ['IF', 'EXISTS']));
  const hit = names.find((n) => dts.has(n.name));
  if (!hit) return undefined;
  if (isQuarantine(hit.name))
    return { kind: 'refuse', table: hit.name, offset: hit.token.start, why: 'DROP TABLE' };
  if (names.length === 1) return { kind: 'drop', table: hit.name, offset: hit.token.start };
  return {
    kind: 'refuse',
    table: hit.name,
    offset: hit.token.start,
    why: 'DROP TABLE of a dynamic table with other tables (drop it on its own)',
  };
}

/** `DROP SCHEMA public|main …` would take the DTs with it. */
export function dropSchema(tokens: Token[], dts: ReadonlySet<string>): WriteVerdict | undefined {
  if (!(isKeyword(tokens[0], 'DROP') && isKeyword(tokens[1], 'SCHEMA'))) return undefined;
  const hit = tokens.slice(2).find((t) => t.kind !== 'op' && DT_SCHEMAS.has(identifierName(t)));
  return hit
    ? {
        kind: 'refuse',
        table: [...dts][0] as string,
        offset: hit.start,
        why: 'DROP SCHEMA of the schema holding it',
      }
    : undefined;
}

/** `COMMENT ON COLUMN dt.col`: the table is the part before the column. */
export function commentOnColumn(tokens: Token[], dts: ReadonlySet<string>): WriteVerdict | undefined {
  if (!['COMMENT', 'ON', 'COLUMN'].every((w, k) => isKeyword(tokens[k], w))) return undefined;
  const parts: Token[] = [];
  for (let j = 3; tokens[j]?.kind === 'word' || tokens[j]?.kind === 'quoted'; j += 2) {
    parts.push(tokens[j] as Token);
    if (tokens[j + 1]?.text !== '.') break;
  }
  const table = parts[parts.length - 2];
  if (!table) return undefined;
  const name = identifierName(table);
  return dts.has(name)
    ? { kind: 'refuse', table: name, offset: table.start, why: 'COMMENT ON COLUMN' }
    : undefined;
}

export function targetAt(tokens: Token[], i: number, dts: ReadonlySet<string>): WriteVerdict | undefined {
  for (const [words, skip] of TARGETS) {
    if (!words.every((w, k) => isKeyword(tokens[i + k], w))) continue;
    const n = nameAt(tokens, skipWords(tokens, i + words.length, skip));
    if (n && dts.has(n.name))
      return { kind: 'refuse', table: n.name, offset: n.token.start, why: words.join(' ') };
  }
  return undefined;
}

export function truncateAt(tokens: Token[], i: number, dts: ReadonlySet<string>): WriteVerdict | undefined {
  if (!isKeyword(tokens[i], 'TRUNCATE')) return undefined;
  const hit = nameList(tokens, skipWords(tokens, i + 1, ['TABLE'])).find((n) => dts.has(n.name));
  return hit ? { kind: 'refuse', table: hit.name, offset: hit.token.start, why: 'TRUNCATE' } : undefined;
}

/** `COPY dt FROM …` writes it; `COPY dt TO …` only reads. */
export function copyAt(tokens: Token[], i: number, dts: ReadonlySet<string>): WriteVerdict | undefined {
  if (!isKeyword(tokens[i], 'COPY')) return undefined;
  const n = nameAt(tokens, i + 1);
  if (!n || !dts.has(n.name)) return undefined;
  let j = n.next;
  if (tokens[j]?.kind === 'op' && tokens[j]?.text === '(') {
    while (j < tokens.length && !(tokens[j]?.kind === 'op' && tokens[j]?.text === ')')) j++;
    j++;
  }
  return isKeyword(tokens[j], 'TO')
    ? undefined
    : { kind: 'refuse', table: n.name, offset: n.token.start, why: 'COPY … FROM' };
}
