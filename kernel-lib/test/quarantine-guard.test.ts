/**
 * A DT's quarantine (dtlab.quarantine_<dt>) and its discarded rows (dtlab.discarded_<dt>) are write-guarded
 * like the DT: a pass-through write is refused with DT_ERR_READ_ONLY at its name and changes nothing; reads
 * pass, and review (DISCARD) still works.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../src/engine/engine.js';
import { guardedNames, guardWrite } from '../src/engine/write-guard.js';
import { DtError } from '../src/errors.js';
import { discardedTableName } from '../src/plan/discards.js';
import { quarantineTableName } from '../src/plan/expectations.js';
import { tokenize } from '../src/sql/lexer.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const NAMES = guardedNames(['dt'], (d) => [quarantineTableName(d), discardedTableName(d)]);
const verdict = (sql: string) => guardWrite(sql, tokenize(sql), NAMES);

describe('guardWrite on quarantines', () => {
  it.each([
    'SELECT * FROM dtlab.quarantine_dt',
    'DELETE FROM dtlab.quarantine_other',
    'DELETE FROM quarantine_dt',
    'INSERT INTO elsewhere SELECT * FROM dtlab.quarantine_dt',
  ])('allows %s', (sql) => {
    expect(verdict(sql)).toEqual({ kind: 'allow' });
  });

  it.each([
    'DELETE FROM dtlab.quarantine_dt',
    'DELETE FROM "dtlab"."quarantine_dt" WHERE dtlab_id = 1',
    'UPDATE dtlab.quarantine_dt SET dtlab_expectations = NULL',
    'INSERT INTO dtlab.quarantine_dt SELECT * FROM dtlab.quarantine_dt',
    'TRUNCATE dtlab.quarantine_dt',
    'DROP TABLE dtlab.quarantine_dt',
    'ALTER TABLE dtlab.quarantine_dt ADD COLUMN x INTEGER',
    'WITH x AS (SELECT 1) DELETE FROM dtlab.quarantine_dt',
  ])('refuses %s', (sql) => {
    const v = verdict(sql);
    expect(v).toMatchObject({ kind: 'refuse', table: 'dtlab.quarantine_dt' });
    expect(sql.slice((v as { offset: number }).offset)).toMatch(/^"?quarantine_dt/);
  });

  it.each([
    'DELETE FROM dtlab.discarded_dt',
    'INSERT INTO dtlab.discarded_dt SELECT * FROM dtlab.quarantine_other',
    'DROP TABLE dtlab.discarded_dt',
  ])('refuses %s (the discarded rows)', (sql) => {
    expect(verdict(sql)).toMatchObject({ kind: 'refuse', table: 'dtlab.discarded_dt' });
  });
});

describe.each(BACKEND_KINDS)('quarantine write guard on %s', (kind) => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(`CREATE TABLE src (id INTEGER, price INTEGER);
      INSERT INTO src VALUES (1, 10), (2, 5000), (3, 7000);
      CREATE DYNAMIC TABLE priced (id, price, CONSTRAINT sane EXPECT (price < 1000) ON VIOLATION QUARANTINE)
        TARGET_LAG = '1 minute' AS SELECT id, price FROM src`);
  });
  afterAll(async () => {
    await engine?.close();
  });
  const count = async () =>
    Number((await engine.execute('SELECT count(*) FROM dtlab.quarantine_priced'))[0]?.rows[0]?.[0]);

  it('refuses a write to the quarantine, positioned, and changes nothing; DISCARD still works', async () => {
    expect(await count()).toBe(2);
    for (const sql of [
      'DELETE FROM dtlab.quarantine_priced',
      "UPDATE dtlab.quarantine_priced SET dtlab_expectations = 'x'",
      'DROP TABLE dtlab.quarantine_priced',
    ]) {
      const e = await engine.execute(sql).then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(DtError);
      expect((e as DtError).code).toBe('DT_ERR_READ_ONLY');
      expect((e as DtError).message).toMatch(/quarantine.*READMIT \| DISCARD/);
      expect(await count()).toBe(2);
    }
    const [ids] = await engine.execute('SELECT dtlab_id FROM dtlab.quarantine_priced ORDER BY id');
    await engine.reviewQuarantine('priced', 'DISCARD', [Number(ids?.rows[0]?.[0])]);
    expect(await count()).toBe(1);
    const e = await engine.execute('DELETE FROM dtlab.discarded_priced').then(
      () => undefined,
      (x: unknown) => x,
    );
    expect((e as DtError).code).toBe('DT_ERR_READ_ONLY');
    expect((e as DtError).message).toMatch(/discarded rows of a dynamic table's quarantine/);
    const [kept] = await engine.execute('SELECT id, price FROM dtlab.discarded_priced');
    expect(kept?.rows.map((r) => r.map(Number))).toEqual([[2, 5000]]);
  });
});
