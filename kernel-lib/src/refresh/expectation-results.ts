/** Rows of dtlab.expectation_results (docs/quality.md): per refresh and expectation, rows passed and failed. */
import { exec, type Queryable, sqlLiteral } from '../backends/backend.js';
import type { ExpectationCount } from '../types.js';

/** Rows of dtlab.expectation_results for one refresh (also for a FAILED one, written after its rollback). */
export async function writeResults(
  db: Queryable,
  dt: string,
  refreshId: number,
  counts: ExpectationCount[],
  dataTimestamp: string | null,
): Promise<void> {
  if (counts.length === 0) return;
  const ts = dataTimestamp === null ? 'NULL' : `CAST(${sqlLiteral(dataTimestamp)} AS TIMESTAMP)`;
  const values = counts.map(
    (c) =>
      `(${refreshId}, ${sqlLiteral(dt)}, ${sqlLiteral(c.expectation)}, ${sqlLiteral(c.action)}, ${c.rowsPassed}, ${c.rowsFailed}, ${ts})`,
  );
  await exec(
    db,
    `INSERT INTO dtlab.expectation_results (refresh_id, name, expectation, action, rows_passed, rows_failed, data_timestamp) VALUES ${values.join(', ')}`,
  );
}
