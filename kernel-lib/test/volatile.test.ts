/**
 * Volatile and session-dependent expressions (issue 12, item 4): sequences, clock and random functions,
 * user functions that are not IMMUTABLE, system columns. AUTO refreshes such a DT in full and says why;
 * REFRESH_MODE = INCREMENTAL refuses it, pointing at the expression, as Snowflake does.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('volatile expressions on %s', (kind) => {
  let backend: Backend;
  let engine: Engine;
  let n = 0;
  const pg = kind !== 'duckdb';

  beforeAll(async () => {
    backend = await freshBackend(kind);
    engine = await Engine.open(backend);
    await engine.execute(`CREATE TABLE src (id INTEGER, v INTEGER);
      INSERT INTO src VALUES (1, 10), (2, 20);
      CREATE SEQUENCE seq`);
    if (pg) {
      await engine.execute(`CREATE FUNCTION plus_stable(x INTEGER) RETURNS INTEGER LANGUAGE sql STABLE AS $$ SELECT x + 1 $$;
        CREATE FUNCTION plus_pure(x INTEGER) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$ SELECT x + 1 $$`);
    }
  });
  afterAll(async () => {
    await engine?.close();
  });

  const create = async (select: string, mode: 'AUTO' | 'INCREMENTAL') => {
    const name = `vol_${n++}`;
    await engine.execute(
      `CREATE DYNAMIC TABLE ${name} TARGET_LAG = '1 minute' REFRESH_MODE = ${mode} AS\n  ${select}`,
    );
    return (await engine.listDynamicTables()).find((d) => d.name === name);
  };

  const cases: [string, string, RegExp][] = [
    ['a sequence', "SELECT id, nextval('seq') AS n FROM src", /nextval/],
    ['a system column', `SELECT id, ${pg ? 'xmin' : 'rowid'} AS r FROM src`, pg ? /xmin/ : /rowid/],
    ...(pg
      ? ([
          ['the wall clock', 'SELECT id, clock_timestamp() AS t FROM src', /clock_timestamp/],
          ['a stable user function', 'SELECT id, plus_stable(v) AS w FROM src', /plus_stable.*not IMMUTABLE/],
        ] as [string, string, RegExp][])
      : []),
  ];

  it.each(cases)('refreshes a DT reading %s in full under AUTO, saying why', async (_what, select, why) => {
    const dt = await create(select, 'AUTO');
    expect(dt?.effectiveMode).toBe('FULL');
    expect(dt?.refreshModeReason).toMatch(why);
    await engine.execute('UPDATE src SET v = v + 1 WHERE id = 1');
    const record = await engine.refresh(dt?.name as string);
    expect(record.state).toBe('SUCCEEDED');
    expect(record.refreshAction).toBe('FULL');
  });

  it.each(cases)(
    'refuses a DT reading %s in INCREMENTAL mode, pointing at it',
    async (_what, select, why) => {
      const err = await create(select, 'INCREMENTAL').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DtError);
      expect((err as DtError).code).toBe('DT_ERR_INCREMENTAL_UNSUPPORTED');
      expect((err as DtError).message).toMatch(why);
      const at = (err as DtError).details.position;
      expect(at?.line).toBe(2);
      const word = (why.source.split('.*')[0] as string).replace(/\\/g, '');
      expect(at?.column).toBe(select.indexOf(word) + 3);
    },
  );

  it('keeps an immutable user function incremental', async () => {
    if (!pg) return;
    const dt = await create('SELECT id, plus_pure(v) AS w FROM src', 'AUTO');
    expect(dt?.effectiveMode, dt?.refreshModeReason).toBe('INCREMENTAL');
  });
});
