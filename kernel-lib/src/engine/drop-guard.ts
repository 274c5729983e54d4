/**
 * DROP TABLE / DROP VIEW / DROP MATERIALIZED VIEW of a relation dynamic tables read is refused, naming the
 * readers, as Snowflake and pg_ivm keep the graph whole (otherwise every refresh of the readers fails from
 * then on). Pure: the statement's tokens and the DTs in, a DtError out.
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

/** Throws DT_ERR_HAS_DEPENDENTS if `sql` drops a relation that dynamic tables read. */
export function refuseDropOfSource(dts: DynamicTable[], sql: string, tokens: Token[]): void {
  for (const { name, token } of droppedRelations(tokens)) {
    const readers = dts.filter((d) => d.sources.some((s) => s.name === name)).map((d) => d.name);
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
