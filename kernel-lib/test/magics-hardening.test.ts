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

  it.each([
    ['%dt clock +100000d', 11],
    ['%dt clock +99999999999999999999d', 11],
    ['%dt simulate orders --rate 1e300', 28],
    ['%dt load tpch --sf 1e9', 20],
    ['%dt load tpch --sf 0x10', 20],
    ['%dt history --limit -5', 21],
  ])('refuses %s with a positioned DT_ERR_OPTION, changing nothing', async (cell, column) => {
    const before = [session.clock.now(), await tables()];
    const e = await failure(cell);
    expect(e.code, e.message).toBe('DT_ERR_OPTION');
    expect([e.details.position?.line, e.details.position?.column]).toEqual([1, column]);
    expect([session.clock.now(), await tables()]).toEqual(before);
    expect(session.simulator).toBeUndefined();
  });

  it('refuses a clock step that would run too many refreshes, with advice, before running any', async () => {
    await session.run("%%dynamic_table one_min TARGET_LAG = '1 minute'\nSELECT a FROM t");
    const before = session.clock.now();
    const history = await session.connected?.engine.history();
    const e = await failure('%dt clock +30d');
    expect(e.code).toBe('DT_ERR_OPTION');
    expect(e.message).toMatch(/would run about \d+ refreshes .* use a shorter step such as \+\d+h/);
    expect([e.details.position?.line, e.details.position?.column]).toEqual([1, 11]);
    expect(session.clock.now()).toBe(before);
    expect(await session.connected?.engine.history()).toEqual(history);
    // A TARGET_LAG beyond the maximum, in SQL: positioned, nothing altered.
    const lag = await failure(
      "%%sql\nALTER DYNAMIC TABLE one_min SET TARGET_LAG = '99999999999999999999 days'",
    );
    expect(lag.code).toBe('DT_ERR_OPTION');
    expect([lag.details.position?.line, lag.details.position?.column]).toEqual([2, 46]);
    const [dt] = (await session.connected?.engine.listDynamicTables()) ?? [];
    expect(dt?.targetLag).toEqual({ kind: 'duration', seconds: 60 });
    await session.run('%dt clock +1h');
    expect(session.clock.now()).toBe(before + 3_600_000);
  });
});
