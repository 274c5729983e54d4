/**
 * A view's column list (`CREATE VIEW v (a, b) AS SELECT …`, as DuckDB gives a view's definition) applied to
 * its SELECT: each column of the select list renamed by an alias, so the body can stand for the view as a
 * subquery in FROM (plan/normalize.ts). Pure: tokens in, text out.
 */
import { isKeyword, significant, type Token, tokenize } from '../sql/lexer.js';
import { depthZero } from './from.js';

/**
 * The SELECT of `CREATE [OR REPLACE] [TEMP] VIEW name (a, b) AS SELECT …` (the text from `SELECT`) with its
 * columns renamed; the text from its SELECT as it is without a column list; undefined when it cannot be
 * read so (a set operation, a column count that differs from the list's).
 */
export function viewSelect(definition: string): string | undefined {
  const head = significant(tokenize(definition));
  const view = head.findIndex((t) => isKeyword(t, 'VIEW'));
  let at = view + 2;
  while (head[at]?.text === '.') at += 2;
  const names: string[] = [];
  if (head[at]?.text === '(') {
    for (at++; head[at] && head[at]?.text !== ')'; at++) {
      const t = head[at] as Token;
      if (t.text === ',') continue;
      if (t.kind !== 'word' && t.kind !== 'quoted') return undefined;
      names.push(t.text);
    }
    at++;
  }
  const body = head[at + 1];
  if (view < 0 || !isKeyword(head[at], 'AS') || !body) return undefined;
  const text = definition.slice(body.start);
  return names.length === 0 ? text : renamed(text, names);
}

/** The SELECT with its i-th column aliased `names[i]`. */
function renamed(text: string, names: string[]): string | undefined {
  const top = depthZero(significant(tokenize(text)));
  const from = top.findIndex((t) => isKeyword(t, 'FROM'));
  const setOp = top.some((t) => ['UNION', 'EXCEPT', 'INTERSECT'].some((w) => isKeyword(t, w)));
  if (!isKeyword(top[0], 'SELECT') || from < 0 || setOp) return undefined;
  const first = isKeyword(top[1], 'DISTINCT') || isKeyword(top[1], 'ALL') ? 2 : 1;
  if (isKeyword(top[first], 'ON')) return undefined;
  const items: Token[][] = [[]];
  for (const t of top.slice(first, from)) {
    if (t.text === ',') items.push([]);
    else items[items.length - 1]?.push(t);
  }
  if (items.length !== names.length || items.some((it) => it.length === 0)) return undefined;
  let out = text;
  for (const [i, item] of [...items.entries()].reverse()) {
    const last = item[item.length - 1] as Token;
    const aliased = item.length >= 3 && isKeyword(item[item.length - 2], 'AS');
    const start = aliased ? (item[item.length - 2] as Token).start : last.end;
    out = `${out.slice(0, start)}${aliased ? '' : ' '}AS ${names[i]}${out.slice(last.end)}`;
  }
  return out;
}
