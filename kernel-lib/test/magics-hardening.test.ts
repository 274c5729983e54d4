/**
 * Magic cells on every backend: a %%dynamic_table body is exactly one query (a second statement is refused
 * whole, positioned, creating nothing); numeric arguments outside their documented ranges are refused
 * with a positioned DT_ERR_OPTION before anything runs; a clock step that would run too many refreshes is
 * refused with advice.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DtError } from '../src/errors.js';
import { MagicSession } from '../src/magics/session.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('hardened magics on %s', (kind) => {
  let session: MagicSession;
  const failure = (cell: string): Promise<DtError> =>
    // Syntax errors throw at once (session.run), others reject: both are caught here.
    Promise.resolve()
      .then(() => session.run(cell))
      .then(
        () => {
          throw new Error(`expected ${cell} to fail`);
        },
        (e: unknown) => e as DtError,
      );
  const tables = async () =>
    (
      await session.run(
        "%%sql\nSELECT table_name FROM information_schema.tables WHERE table_name IN ('t', 'd', 'one_min') ORDER BY 1",
      )
    )?.map((b) => JSON.stringify(b.data));

  beforeAll(async () => {
    session = new MagicSession({
      defaultSpec: kind,
      open: () => freshBackend(kind),
      start: Date.UTC(2026, 0, 1),
    });
    await session.run('%%sql\nCREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2)');
  });
  afterAll(() => session.close());

  it('refuses a %%dynamic_table body holding a second statement, creating and dropping nothing', async () => {
    const before = await tables();
    const e = await failure("%%dynamic_table d TARGET_LAG = '1 minute'\nSELECT * FROM t; DROP TABLE t");
    expect(e.code).toBe('DT_ERR_SYNTAX');
    expect(e.message).toMatch(/exactly one query/);
    expect([e.details.position?.line, e.details.position?.column]).toEqual([2, 18]);
    expect(await tables()).toEqual(before);
    expect(await session.connected?.engine.listDynamicTables()).toEqual([]);
    // A trailing semicolon alone is fine.
    await session.run("%%dynamic_table d TARGET_LAG = '1 minute'\nSELECT * FROM t;");
    await session.run('%%sql\nDROP DYNAMIC TABLE d');
  });
});
