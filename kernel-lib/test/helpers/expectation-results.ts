/**
 * A refresh's expectation counts as a refresh writes them (catalog/refresh-quality.ts): a history row carrying
 * them (its id drawn as a refresh's), read back through the `dtlab.expectation_results` view. For tests of readers (the score, alerts) that
 * need results without running the refreshes that would make them.
 */
import { refreshQualityValues } from '../../src/catalog/refresh-quality.js';
import type { Engine } from '../../src/engine/engine.js';
import type { ExpectationCount } from '../../src/types.js';

export async function insertExpectationResults(
  engine: Engine,
  name: string,
  dataTimestamp: string,
  counts: ExpectationCount[],
): Promise<void> {
  const [names, actions, passed, failed] = refreshQualityValues(counts, undefined).sql;
  await engine.execute(`INSERT INTO dtlab.refresh_history (refresh_id, name, state, refresh_trigger, data_timestamp,
      refresh_start_time, rows_inserted, rows_deleted, changes_read, planning_ms, execution_ms, queued_ms, warehouse,
      credits_used, expectation_names, expectation_actions, expectation_rows_passed, expectation_rows_failed)
    VALUES (nextval('dtlab.refresh_id_seq'), '${name}', 'SUCCEEDED', 'MANUAL', '${dataTimestamp}', '${dataTimestamp}', 0, 0, '{}', 0, 0,
      0, 'compute_wh', 0, ${names}, ${actions}, ${passed}, ${failed})`);
}
