/**
 * Inheritance and declarative partitioning (issue 12, item 3; PostgreSQL family): a DT reading a parent
 * sees writes made to any child, directly or through the parent; a child attached or detached later is
 * refused while DTs read the parent (its writes would escape capture).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { freshBackend } from './helpers/backends.js';

describe.each(['pglite', 'postgres'] as const)('partitions and inheritance on %s', (kind) => {
  let backend: Backend;
  let engine: Engine;

  beforeAll(async () => {
    backend = await freshBackend(kind);
    engine = await Engine.open(backend);
    await engine.execute(`CREATE TABLE parted (k INTEGER, v INTEGER) PARTITION BY RANGE (k);
      CREATE TABLE parted_lo PARTITION OF parted FOR VALUES FROM (0) TO (10);
      CREATE TABLE parted_hi PARTITION OF parted FOR VALUES FROM (10) TO (100) PARTITION BY RANGE (k);
      CREATE TABLE parted_hi_a PARTITION OF parted_hi FOR VALUES FROM (10) TO (100);
      INSERT INTO parted VALUES (1, 1), (11, 11);
      CREATE TABLE base (k INTEGER, v INTEGER);
      CREATE TABLE derived (note VARCHAR(10)) INHERITS (base);
      INSERT INTO base VALUES (1, 1);
      INSERT INTO derived VALUES (2, 2, 'x');`);
  });
  afterAll(async () => {
    await engine?.close();
  });

  const check = async (dt: string) => {
    const record = await engine.refresh(dt);
    expect(record.refreshAction, record.reason ?? undefined).not.toBe('NO_DATA');
    expect((await engine.verify(dt)).equal).toBe(true);
  };

  it('captures writes to every partition, at any depth, and through the parent', async () => {
    await engine.execute(
      "CREATE DYNAMIC TABLE by_k TARGET_LAG = '1 minute' AS SELECT k, sum(v) AS total FROM parted GROUP BY k",
    );
    const dt = (await engine.listDynamicTables()).find((d) => d.name === 'by_k');
    expect(dt?.sources.map((s) => s.name)).toEqual(['parted', 'parted_hi', 'parted_hi_a', 'parted_lo']);
    expect(dt?.effectiveMode).toBe('FULL');
    expect(dt?.refreshModeReason).toMatch(/partitions or inheritance children/);
    await engine.execute('INSERT INTO parted_lo VALUES (2, 2)');
    await check('by_k');
    await engine.execute('INSERT INTO parted_hi_a VALUES (12, 12)');
    await check('by_k');
    await engine.execute('UPDATE parted SET k = 3 WHERE k = 12'); // moves a row between partitions
    await check('by_k');
    await engine.execute('DELETE FROM parted_lo WHERE k = 1');
    await check('by_k');
  });

  it('captures writes to an inheritance child, and to it through the parent', async () => {
    await engine.execute("CREATE DYNAMIC TABLE bases TARGET_LAG = '1 minute' AS SELECT k, v FROM base");
    await engine.execute("INSERT INTO derived VALUES (3, 3, 'y')");
    await check('bases');
    await engine.execute('UPDATE base SET v = v + 10 WHERE k >= 2'); // rows of the child, through the parent
    await check('bases');
  });

  it.each([
    ['CREATE TABLE parted_new PARTITION OF parted FOR VALUES FROM (100) TO (200)', 'parted'],
    ['ALTER TABLE parted_hi DETACH PARTITION parted_hi_a', 'parted_hi'],
    ['CREATE TABLE derived2 (x INTEGER) INHERITS (base)', 'base'],
  ])('refuses %s while a DT reads the parent', async (stmt, parent) => {
    const err = await engine.execute(stmt).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DtError);
    expect((err as DtError).code).toBe('DT_ERR_HAS_DEPENDENTS');
    expect((err as DtError).message).toContain(`child of ${parent}:`);
  });
});
