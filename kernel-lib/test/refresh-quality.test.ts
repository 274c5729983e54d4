/**
 * A refresh's expectation counts and REFRESH quality score live in its history row (catalog/refresh-quality.ts);
 * `dtlab.expectation_results` and `dtlab.quality_scores` are views. A catalog made before, where both were
 * tables, is moved when an engine opens it: the counts into their history rows, the scores' table renamed
 * under the view; nothing is lost and the readers read the same rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, Value } from '../src/backends/backend.js';
import { ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const T0 = Date.UTC(2026, 0, 5);
/** Two engines on one in-memory backend, one after the other: the first's delivery worker stops. */
const stopDelivery = (e: Engine) =>
  (e as unknown as { delivery: { close(): Promise<void> } }).delivery.close();
const plain = (rows: Value[][] | undefined) =>
  (rows ?? []).map((r) => r.map((v) => (typeof v === 'bigint' ? Number(v) : v)));

describe.each(BACKEND_KINDS)('expectation results and scores in the history on %s', (kind) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await freshBackend(kind);
  });
  afterAll(async () => {
    await backend?.close();
  });

  it("moves an earlier catalog's expectation_results and quality_scores tables into the history and views", async () => {
    const engine = await Engine.open(backend, { clock: new ManualClock(T0) });
    await engine.execute(`CREATE TABLE m_src (id INTEGER);
      INSERT INTO m_src VALUES (1), (2), (5);
      CREATE DYNAMIC TABLE m_dt (CONSTRAINT small EXPECT (id < 3), CONSTRAINT known EXPECT (id IS NOT NULL))
        TARGET_LAG = '1 minute' AS SELECT id FROM m_src`);
    const [history] = await engine.execute(
      "SELECT max(refresh_id) FROM dtlab.refresh_history WHERE name = 'm_dt'",
    );
    const id = Number(history?.rows[0]?.[0]);
    const results = `SELECT refresh_id, name, expectation, action, rows_passed, rows_failed FROM dtlab.expectation_results
      WHERE name = 'm_dt' ORDER BY refresh_id, expectation`;
    const written = plain((await engine.execute(results))[0]?.rows);
    expect(written).toEqual([
      [id, 'm_dt', 'known', 'WARN', 3, 0],
      [id, 'm_dt', 'small', 'WARN', 2, 1],
    ]);
    await stopDelivery(engine); // its outbox poll; the backend stays open (Engine.close would close it)
    // The catalog as an earlier version left it: both tables, the history without the counts.
    await backend.query('DROP VIEW dtlab.expectation_results');
    await backend.query('DROP VIEW dtlab.quality_scores');
    await backend.query('UPDATE dtlab.refresh_history SET expectation_names = NULL, quality_state = NULL');
    await backend.query(`CREATE TABLE dtlab.expectation_results (refresh_id BIGINT, name VARCHAR, expectation VARCHAR,
      action VARCHAR, rows_passed BIGINT, rows_failed BIGINT, data_timestamp TIMESTAMP)`);
    await backend.query(`INSERT INTO dtlab.expectation_results VALUES
      (${id}, 'm_dt', 'small', 'WARN', 2, 1, NULL), (${id}, 'm_dt', 'known', 'WARN', 3, 0, NULL)`);
    await backend.query(`CREATE TABLE dtlab.quality_scores (table_name VARCHAR NOT NULL,
      measurement_time TIMESTAMP NOT NULL, score DOUBLE PRECISION, state VARCHAR NOT NULL, checks INTEGER NOT NULL,
      failing INTEGER NOT NULL, trigger VARCHAR NOT NULL)`);
    await backend.query('DROP TABLE dtlab.quality_score_rows');
    await backend.query(
      "INSERT INTO dtlab.quality_scores VALUES ('m_dt', '2026-01-05 00:00:00', 83.33, 'WARNING', 2, 1, 'REFRESH')",
    );

    // Another engine opens the catalog.
    const again = await Engine.open(backend, { clock: new ManualClock(T0 + 60_000) });
    expect(plain((await again.execute(results))[0]?.rows)).toEqual(written);
    const [scores] = await again.execute(
      "SELECT CAST(measurement_time AS VARCHAR), score, state, checks, failing, trigger FROM dtlab.quality_scores WHERE table_name = 'm_dt'",
    );
    expect(plain(scores?.rows)).toEqual([['2026-01-05 00:00:00', 83.33, 'WARNING', 2, 1, 'REFRESH']]);
    const [kinds] = await again.execute(`SELECT table_name, table_type FROM information_schema.tables
      WHERE table_schema = 'dtlab' AND table_name IN ('expectation_results', 'quality_scores', 'quality_score_rows')
      ORDER BY table_name`);
    expect(plain(kinds?.rows)).toEqual([
      ['expectation_results', 'VIEW'],
      ['quality_score_rows', 'BASE TABLE'],
      ['quality_scores', 'VIEW'],
    ]);
    // The next refresh writes its counts in its own history row, read through the view with the moved ones.
    await again.execute('INSERT INTO m_src VALUES (7)');
    const record = await again.refresh('m_dt');
    const [now] = await again.execute(
      `SELECT count(*) FROM dtlab.expectation_results WHERE refresh_id = ${record.refreshId}`,
    );
    expect(Number(now?.rows[0]?.[0])).toBe(2);
    await stopDelivery(again);
  });
});
