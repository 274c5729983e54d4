/** SHOW DATA METRIC FUNCTIONS [LIKE 'pattern']: the system functions (schema CORE) and the custom ones. */
import type { Queryable, ResultColumn, Value } from '../backends/backend.js';
import { listCustomDmfs } from './catalog.js';
import { SYSTEM_METRIC_NAMES, SYSTEM_METRICS } from './metrics.js';

export async function showDmfs(
  db: Queryable,
  like?: string,
): Promise<{ columns: ResultColumn[]; rows: Value[][] }> {
  const columns: ResultColumn[] = [
    { name: 'created_on', type: 'varchar' },
    { name: 'name', type: 'varchar' },
    { name: 'schema_name', type: 'varchar' },
    { name: 'is_builtin', type: 'varchar' },
    { name: 'arguments', type: 'varchar' },
    { name: 'returns', type: 'varchar' },
    { name: 'description', type: 'varchar' },
  ];
  const rows: Value[][] = SYSTEM_METRIC_NAMES.map((n) => {
    const m = SYSTEM_METRICS[n] as (typeof SYSTEM_METRICS)[string];
    const args =
      m.columns === 0
        ? '()'
        : m.lambda
          ? '(column, column -> condition)'
          : m.columns === 1
            ? '(column)'
            : '(column, …)';
    return [null, n, 'CORE', 'Y', `${n}${args}`, 'NUMBER', m.description];
  });
  for (const f of await listCustomDmfs(db))
    rows.push([
      f.createdOn,
      f.name,
      'PUBLIC',
      'N',
      `${f.name.toUpperCase()}(${f.args.map((a) => `TABLE(${a.columns.map((c) => c.type).join(', ')})`).join(', ')})`,
      f.returns,
      f.comment ?? 'user-defined function',
    ]);
  const re = like === undefined ? null : likeRegex(like);
  return { columns, rows: re ? rows.filter((r) => re.test(String(r[1]))) : rows };
}

function likeRegex(like: string): RegExp {
  const body = like
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/%/g, '.*')
    .replace(/_/g, '.');
  return new RegExp(`^${body}$`, 'i');
}
