/**
 * Capture on a source is removed only when nothing reads it any more. A reinstall of capture (here: the source
 * altered, then a DT re-created on it) deletes the other readers' positions — they reinitialize at their next
 * refresh — and a CREATE OR REPLACE that stops reading the source then released capture, counting positions
 * only, while another DT still read it. The reader's refresh installed capture again without registering it,
 * and the next CREATE on the source failed: 'relation "chg_u" already exists' (found by the concurrency oracle
 * with an actor altering the sources). Now the release also counts the DTs that read the source, and a
 * reinstall registers what it installs.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

describe.each(BACKEND_KINDS)('capture released only when nothing reads the source, on %s', (kind) => {
  let backend: Backend;
  let engine: Engine;

  beforeEach(async () => {
    backend = await freshBackend(kind);
    engine = await Engine.open(backend);
    await engine.execute(`CREATE TABLE t (g INTEGER, v INTEGER); CREATE TABLE u (g INTEGER, w INTEGER);
      INSERT INTO t VALUES (1, 10), (2, 20); INSERT INTO u VALUES (1, 5), (2, 6);
      CREATE DYNAMIC TABLE a TARGET_LAG = '1 minute' AS SELECT t.g, t.v, u.w FROM t JOIN u ON t.g = u.g;
      CREATE DYNAMIC TABLE b TARGET_LAG = '1 minute' AS SELECT g, w FROM u`);
  });
  afterEach(async () => {
    await engine?.close();
  });

  const captured = async () =>
    (await backend.query('SELECT source FROM dtlab.capture_sources ORDER BY source')).rows.map((r) => r[0]);

  it('keeps it while another DT reads it, through a reinstall and a replace that stops reading it', async () => {
    await engine.execute('ALTER TABLE u ADD COLUMN x INTEGER');
    // Capture on u is reinstalled for the new columns: a's position goes, a reinitializes later.
    await engine.execute("CREATE OR REPLACE DYNAMIC TABLE b TARGET_LAG = '1 minute' AS SELECT g, w FROM u");
    // b stops reading u; a still does.
    await engine.execute("CREATE OR REPLACE DYNAMIC TABLE b TARGET_LAG = '1 minute' AS SELECT g, v FROM t");
    expect(await captured()).toEqual(['t', 'u']);
    await engine.execute('INSERT INTO u (g, w) VALUES (1, 7); UPDATE t SET v = v + 1');
    expect((await engine.refresh('a')).state).toBe('SUCCEEDED');
    await engine.execute(
      "CREATE DYNAMIC TABLE c TARGET_LAG = '1 minute' AS SELECT g, count(*) AS n FROM u GROUP BY g",
    );
    await engine.execute('DELETE FROM u WHERE g = 2');
    for (const dt of ['a', 'b', 'c']) {
      expect((await engine.refresh(dt)).state).toBe('SUCCEEDED');
      expect((await engine.verify(dt)).equal).toBe(true);
    }
    // Nothing reads u any more: its capture goes.
    await engine.execute('DROP DYNAMIC TABLE c; DROP DYNAMIC TABLE a');
    expect(await captured()).toEqual(['t']);
  });

  it('a change table left unregistered (by that release, in a database made before): CREATE reinstalls it', async () => {
    await backend.query("DELETE FROM dtlab.capture_sources WHERE source = 'u'");
    await engine.execute('INSERT INTO u VALUES (3, 8)');
    await engine.execute(
      "CREATE DYNAMIC TABLE c TARGET_LAG = '1 minute' AS SELECT g, count(*) AS n FROM u GROUP BY g",
    );
    expect(await captured()).toEqual(['t', 'u']);
    await engine.execute('DELETE FROM u WHERE g = 2; UPDATE t SET v = v + 1');
    for (const dt of ['a', 'b', 'c']) {
      expect((await engine.refresh(dt)).state).toBe('SUCCEEDED');
      expect((await engine.verify(dt)).equal).toBe(true);
    }
  });
});
