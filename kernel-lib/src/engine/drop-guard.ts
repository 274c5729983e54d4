/**
 * Statements that would break what dynamic tables read are refused, naming the readers, as Snowflake and
 * pg_ivm keep the graph whole:
 * - DROP TABLE / VIEW / MATERIALIZED VIEW of a source (every refresh of its readers would fail);
 * - a partition or inheritance child attached to, or detached from, a source (PostgreSQL): a DT reading a
 *   parent captures each of its children, known at CREATE; a child added later would escape capture, and
 *   detaching one removes rows without a captured change.
 * Pure: the statement's tokens and the DTs in, a DtError out.
 */
import { DtError } from '../errors.js';
import { identifierName, isKeyword, significant, type Token } from '../sql/lexer.js';
import { positionAt } from '../sql/position.js';
import type { DynamicTable } from '../types.js';

/** The relations a DROP TABLE / VIEW / MATERIALIZED VIEW statement names, with their tokens. */
export function droppedRelations(tokens: Token[]): { name: string; token: Token }[] {
  const t = significant(tokens);
  if (!isKeyword(t[0], 'DROP')) return [];
  let i = 1;
  if (isKeyword(t[i], 'MATERIALIZED')) i++;
  if (!isKeyword(t[i], 'TABLE') && !isKeyword(t[i], 'VIEW')) return [];
  i++;
  if (isKeyword(t[i], 'IF') && isKeyword(t[i + 1], 'EXISTS')) i += 2;
  const out: { name: string; token: Token }[] = [];
  while (t[i] && (t[i]?.kind === 'word' || t[i]?.kind === 'quoted')) {
    let token = t[i] as Token;
    // schema.name: the name is the last part.
    while (t[i + 1]?.text === '.' && t[i + 2]) {
      i += 2;
      token = t[i] as Token;
    }
    out.push({ name: identifierName(token), token });
    if (t[i + 1]?.text !== ',') break;
    i += 2;
  }
  return out;
}

function nameFrom(t: Token[], i: number): { name: string; token: Token; next: number } | undefined {
  let token = t[i];
  if (token?.kind !== 'word' && token?.kind !== 'quoted') return undefined;
  while (t[i + 1]?.text === '.' && t[i + 2]) {
    i += 2;
    token = t[i] as Token;
  }
  return { name: identifierName(token), token, next: i + 1 };
}

/** The parents a CREATE TABLE / ALTER TABLE statement adds a child to or removes one from. */
export function reparentedRelations(tokens: Token[]): { name: string; token: Token }[] {
  const t = significant(tokens);
  const out: { name: string; token: Token }[] = [];
  if (isKeyword(t[0], 'CREATE')) {
    for (let i = 1; i < t.length; i++) {
      if (isKeyword(t[i], 'PARTITION') && isKeyword(t[i + 1], 'OF')) {
        const n = nameFrom(t, i + 2);
        if (n) out.push(n);
      }
      if (isKeyword(t[i], 'INHERITS') && t[i + 1]?.text === '(') {
        for (let j = i + 2; t[j] && t[j]?.text !== ')'; ) {
          const n = nameFrom(t, j);
          if (!n) break;
          out.push(n);
          j = t[n.next]?.text === ',' ? n.next + 1 : n.next;
        }
      }
    }
  } else if (isKeyword(t[0], 'ALTER') && isKeyword(t[1], 'TABLE')) {
    let i = 2;
    if (isKeyword(t[i], 'IF') && isKeyword(t[i + 1], 'EXISTS')) i += 2;
    if (isKeyword(t[i], 'ONLY')) i++;
    const target = nameFrom(t, i);
    for (let j = target?.next ?? t.length; j < t.length; j++) {
      if ((isKeyword(t[j], 'ATTACH') || isKeyword(t[j], 'DETACH')) && isKeyword(t[j + 1], 'PARTITION'))
        if (target) out.push(target);
      if (isKeyword(t[j], 'INHERIT')) {
        const n = nameFrom(t, j + 1);
        if (n) out.push(n);
      }
    }
  }
  return out;
}

const readersOf = (dts: DynamicTable[], name: string) =>
  dts.filter((d) => d.sources.some((s) => s.name === name)).map((d) => d.name);

/** Throws DT_ERR_HAS_DEPENDENTS if `sql` drops or re-parents a relation that dynamic tables read. */
export function refuseBreakingSources(dts: DynamicTable[], sql: string, tokens: Token[]): void {
  for (const { name, token } of reparentedRelations(tokens)) {
    const readers = readersOf(dts, name);
    if (readers.length === 0) continue;
    throw new DtError(
      'DT_ERR_HAS_DEPENDENTS',
      `cannot add or remove a partition or child of ${name}: dynamic table${readers.length > 1 ? 's' : ''} ${readers.join(', ')} read${readers.length > 1 ? '' : 's'} it and capture${readers.length > 1 ? '' : 's'} the children it had at CREATE`,
      {
        position: positionAt(sql, token.start),
        sql,
        hint: `drop ${readers.join(', ')}, change the table, and create ${readers.length > 1 ? 'them' : 'it'} again`,
      },
    );
  }
  for (const { name, token } of droppedRelations(tokens)) {
    const readers = readersOf(dts, name);
    if (readers.length === 0) continue;
    const many = readers.length > 1;
    throw new DtError(
      'DT_ERR_HAS_DEPENDENTS',
      `cannot drop ${name}: dynamic table${many ? 's' : ''} ${readers.join(', ')} read${many ? '' : 's'} it`,
      {
        position: positionAt(sql, token.start),
        sql,
        hint: `drop or redefine ${readers.join(', ')} first (DROP DYNAMIC TABLE, CREATE OR REPLACE DYNAMIC TABLE)`,
      },
    );
  }
}
