/**
 * Engines opening at once on one PostgreSQL server database (several notebooks, or a kernel and the CLI, at
 * the same moment): each installs the catalog and replaces capture's and the probe's functions as it opens, in
 * one transaction. Two such transactions met on the same catalog rows — "tuple concurrently updated" from a
 * function replaced by both, or a duplicate type from a table both created. Installs now take turns (an
 * advisory lock first, dialect `installLock`), and every engine opens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { openBackend } from '../src/backends/open.js';
import { Engine } from '../src/engine/engine.js';
import { freshBackend, serverUrlOf } from './helpers/backends.js';

describe('engines opening at once on one server database', () => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await freshBackend('postgres');
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('all open, on a new database and again on an installed one', async () => {
    for (let round = 0; round < 2; round++) {
      const backends = await Promise.all(
        Array.from({ length: 6 }, () => openBackend(serverUrlOf(backend) as string)),
      );
      const opened = await Promise.allSettled(backends.map((b) => Engine.open(b)));
      const failed = opened.flatMap((o) => (o.status === 'rejected' ? [String(o.reason)] : []));
      for (const o of opened) if (o.status === 'fulfilled') await o.value.close();
      for (const [i, b] of backends.entries()) if (opened[i]?.status === 'rejected') await b.close();
      expect(failed).toEqual([]);
    }
    const engine = await Engine.open(backend);
    await engine.execute(`CREATE TABLE t (k INTEGER); INSERT INTO t VALUES (1);
      CREATE DYNAMIC TABLE d TARGET_LAG = '1 minute' AS SELECT k FROM t`);
    expect((await engine.verify('d')).equal).toBe(true);
  });
});
