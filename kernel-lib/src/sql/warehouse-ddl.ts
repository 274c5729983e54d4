/**
 * The warehouse DDL grammar: CREATE [OR REPLACE] WAREHOUSE [IF NOT EXISTS] name [WITH] options, with Snowflake's
 * size spellings. DROP and SHOW WAREHOUSES are parsed with the rest in sql/ddl.ts.
 */
import type { Cursor } from './cursor.js';
import type { Token } from './lexer.js';

export const WAREHOUSE_SIZES = [
  'XSMALL',
  'SMALL',
  'MEDIUM',
  'LARGE',
  'XLARGE',
  '2XLARGE',
  '3XLARGE',
  '4XLARGE',
] as const;
export type WarehouseSize = (typeof WAREHOUSE_SIZES)[number];

export interface CreateWarehouse {
  kind: 'create_warehouse';
  orReplace: boolean;
  ifNotExists: boolean;
  name: string;
  size: WarehouseSize;
  maxConcurrency: number;
  autoSuspendSeconds: number;
  comment?: string;
}

export interface DropWarehouse {
  kind: 'drop_warehouse';
  ifExists: boolean;
  name: string;
}

/** Snowflake's spellings of warehouse sizes → ours. */
const SIZE_ALIASES: Record<string, WarehouseSize> = {
  XSMALL: 'XSMALL',
  'X-SMALL': 'XSMALL',
  SMALL: 'SMALL',
  MEDIUM: 'MEDIUM',
  LARGE: 'LARGE',
  XLARGE: 'XLARGE',
  'X-LARGE': 'XLARGE',
  XXLARGE: '2XLARGE',
  X2LARGE: '2XLARGE',
  '2X-LARGE': '2XLARGE',
  '2XLARGE': '2XLARGE',
  XXXLARGE: '3XLARGE',
  X3LARGE: '3XLARGE',
  '3X-LARGE': '3XLARGE',
  '3XLARGE': '3XLARGE',
  X4LARGE: '4XLARGE',
  '4X-LARGE': '4XLARGE',
  '4XLARGE': '4XLARGE',
};

export function createWarehouse(c: Cursor, orReplace: boolean, earlyIfNotExists: boolean): CreateWarehouse {
  const ifNotExists = c.accept('IF', 'NOT', 'EXISTS') || earlyIfNotExists;
  if (orReplace && ifNotExists) c.fail('OR REPLACE and IF NOT EXISTS cannot be used together', undefined);
  const name = c.identifier('a warehouse name');
  c.accept('WITH');
  const wh: CreateWarehouse = {
    kind: 'create_warehouse',
    orReplace,
    ifNotExists,
    name,
    size: 'XSMALL',
    maxConcurrency: 8,
    autoSuspendSeconds: 600,
  };
  const seen = new Set<string>();
  while (!c.atEnd()) {
    const t = c.peek() as Token;
    const option = t.kind === 'word' ? t.text.toUpperCase() : '';
    if (seen.has(option)) c.failOption(`option ${option} is given twice`, t);
    seen.add(option);
    c.next();
    c.expectOp('=');
    switch (option) {
      case 'WAREHOUSE_SIZE': {
        const v = c.peek();
        const raw = v?.kind === 'string' ? c.string('a warehouse size') : wordRun(c);
        const size = SIZE_ALIASES[raw.toUpperCase()];
        if (!size)
          c.failOption(
            `invalid WAREHOUSE_SIZE ${raw || '(missing)'}: expected ${WAREHOUSE_SIZES.join(', ')}`,
            v,
          );
        wh.size = size;
        break;
      }
      case 'MAX_CONCURRENCY_LEVEL':
        wh.maxConcurrency = c.wholeNumber(option, MAX_CONCURRENCY_LEVEL);
        break;
      case 'AUTO_SUSPEND':
        wh.autoSuspendSeconds = c.wholeNumber(option, MAX_AUTO_SUSPEND_SECONDS);
        break;
      case 'AUTO_RESUME':
      case 'INITIALLY_SUSPENDED':
        c.choice(option, ['TRUE', 'FALSE']);
        break;
      case 'COMMENT':
        wh.comment = c.string('a comment');
        break;
      default:
        c.failOption(
          `unknown warehouse option ${t.text}: expected WAREHOUSE_SIZE, MAX_CONCURRENCY_LEVEL, AUTO_SUSPEND, AUTO_RESUME, INITIALLY_SUSPENDED or COMMENT`,
          t,
        );
    }
  }
  return wh;
}

/** Adjacent tokens with no space between them, as one word: `4XLARGE` lexes as `4` + `XLARGE`. */
function wordRun(c: Cursor): string {
  let text = '';
  let t = c.peek();
  while (t && t.kind !== 'string' && (text === '' || t.start === (c.peek(-1) as Token).end)) {
    text += t.text;
    c.next();
    t = c.peek();
  }
  return text;
}

/** Ranges of the warehouse's numeric options (documented in docs/sql-dialect.md). */
export const MAX_CONCURRENCY_LEVEL = 1000;
export const MAX_AUTO_SUSPEND_SECONDS = 366 * 86_400;
