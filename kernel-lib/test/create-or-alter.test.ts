/** CREATE OR ALTER DYNAMIC TABLE and ALTER … SET / UNSET COMMENT, against a real engine on every backend. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alteration } from '../src/engine/create-or-alter.js';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { parseStatement } from '../src/sql/ddl.js';
import { splitStatements } from '../src/sql/split.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const parse = (sql: string) => {
  const [stmt] = splitStatements(sql);
  return parseStatement(stmt?.text ?? '', stmt?.tokens ?? []);
};

describe('CREATE OR ALTER: grammar and the pure alteration', () => {
  it('parses as a create with orAlter, and refuses IF NOT EXISTS and OR REPLACE OR ALTER', () => {
    expect(parse("CREATE OR ALTER DYNAMIC TABLE d TARGET_LAG = '1 hour' AS SELECT 1")).toMatchObject({
      kind: 'create_dynamic_table',
      orAlter: true,
      orReplace: false,
    });
    expect(() =>
      parse("CREATE OR ALTER DYNAMIC TABLE IF NOT EXISTS d TARGET_LAG = '1 hour' AS SELECT 1"),
    ).toThrow(/takes no IF NOT EXISTS/);
    expect(parse('ALTER DYNAMIC TABLE d UNSET COMMENT')).toMatchObject({
      action: { kind: 'set', comment: null },
    });
    expect(parse("ALTER DYNAMIC TABLE d SET COMMENT = 'why' TARGET_LAG = '2 hours'")).toMatchObject({
      action: { kind: 'set', comment: 'why', targetLag: { kind: 'duration', seconds: 7200 } },
    });
  });
});

describe.each(BACKEND_KINDS)('CREATE OR ALTER on %s', (kind) => {
  let engine: Engine;
  const one = async (sql: string) => (await engine.execute(sql)).at(-1);
  const history = async () =>
    (
      await one("SELECT refresh_action FROM dtlab.refresh_history WHERE name = 'd' ORDER BY refresh_id")
    )?.rows.map((r) => r[0]);

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute('CREATE TABLE src (k INTEGER, v INTEGER); INSERT INTO src VALUES (1, 10), (2, 20)');
  });
  afterAll(async () => {
    await engine?.close();
  });

  it('creates, then is a no-op, then alters in place, then recreates when the query changes', async () => {
    const def = (lag: string, query: string, comment = '') =>
      `CREATE OR ALTER DYNAMIC TABLE d TARGET_LAG = '${lag}'${comment} AS ${query}`;
    expect((await one(def('1 hour', 'SELECT k, v FROM src')))?.message).toMatch(/successfully created/);
    expect((await one(def('1 hour', 'SELECT k, v FROM src')))?.message).toMatch(/already matches/);
    expect(await history()).toEqual(['FULL']);

    const altered = await one(def('2 hours', 'SELECT k, v FROM src', " COMMENT = 'daily feed'"));
    expect(altered?.message).toMatch(/altered: TARGET_LAG = 2 hours, COMMENT/);
    expect(await history()).toEqual(['FULL']); // data kept: no refresh, no reinitialization
    const shown = (await one("SHOW DYNAMIC TABLES LIKE 'd'"))?.rows[0];
    expect(shown?.[2]).toBe('2 hours');
    expect(shown?.[9]).toBe('daily feed');

    expect((await one(def('2 hours', 'SELECT k, v * 2 AS v FROM src')))?.message).toMatch(
      /successfully replaced/,
    );
    expect((await one('SELECT sum(v) FROM d'))?.rows[0]?.[0]).toEqual(expect.anything());
    expect(Number((await one('SELECT sum(v) FROM d'))?.rows[0]?.[0])).toBe(60);
    // The replacement started without the comment: CREATE OR ALTER states the whole definition.
    expect((await one("SHOW DYNAMIC TABLES LIKE 'd'"))?.rows[0]?.[9]).toBeNull();
  });

  it('ALTER … SET COMMENT and UNSET COMMENT', async () => {
    await one("ALTER DYNAMIC TABLE d SET COMMENT = 'kept'");
    expect((await one("SHOW DYNAMIC TABLES LIKE 'd'"))?.rows[0]?.[9]).toBe('kept');
    expect((await one('ALTER DYNAMIC TABLE d UNSET COMMENT'))?.message).toMatch(/COMMENT unset/);
    expect((await one("SHOW DYNAMIC TABLES LIKE 'd'"))?.rows[0]?.[9]).toBeNull();
  });

  it('an alteration naming a missing warehouse changes nothing', async () => {
    const err = await engine
      .execute(
        "CREATE OR ALTER DYNAMIC TABLE d TARGET_LAG = '5 hours' WAREHOUSE = nowhere AS SELECT k, v * 2 AS v FROM src",
      )
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DtError);
    expect((err as DtError).code).toBe('DT_ERR_UNKNOWN_OBJECT');
    expect((await one("SHOW DYNAMIC TABLES LIKE 'd'"))?.rows[0]?.[2]).toBe('2 hours');
  });

  it('the pure alteration says which changes keep the data', async () => {
    const dt = (await engine.listDynamicTables()).find((d) => d.name === 'd');
    if (!dt) throw new Error('d is missing');
    const stmt = parse(
      `CREATE OR ALTER DYNAMIC TABLE d TARGET_LAG = '2 hours' REFRESH_MODE = FULL AS ${dt.query}`,
    );
    if (stmt.kind !== 'create_dynamic_table') throw new Error('not a create');
    expect(alteration(dt, stmt, 'compute_wh')).toEqual({ kind: 'replace', because: 'REFRESH_MODE changed' });
  });
});
