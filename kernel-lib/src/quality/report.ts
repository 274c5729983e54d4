/**
 * Reads the validation console's model (display/quality.ts) from the catalog: every table with data metric
 * functions, a score or DT expectation results (or the one asked for), its score history, each rule's latest
 * value, pass rates over time and latest failing-row sample.
 */
import type { Queryable, Value } from '../backends/backend.js';
import {
  MAX_POINTS,
  type QualityView,
  type RuleView,
  ruleName,
  type TableQuality,
} from '../display/quality.js';
import { DtError } from '../errors.js';
import { parseTimestamp } from '../schedule/record.js';
import { listAssociations } from './catalog.js';

const ms = (v: Value | undefined) => (v === null || v === undefined ? null : parseTimestamp(String(v)));
const num = (v: Value | undefined) => (v === null || v === undefined ? null : Number(v));

export async function qualityView(db: Queryable, name?: string): Promise<QualityView> {
  const assocs = await listAssociations(db, name);
  const { rows: named } = await db.query(
    `SELECT table_name FROM dtlab.quality_scores UNION SELECT name FROM dtlab.expectation_results
      UNION SELECT table_name FROM dtlab.dmf_associations ORDER BY 1`,
  );
  const names = named.map((r) => String(r[0])).filter((n) => name === undefined || n === name);
  if (name !== undefined && names.length === 0)
    throw new DtError(
      'DT_ERR_UNKNOWN_OBJECT',
      `${name} has no data metric function, expectation or score yet`,
      {
        hint: 'ALTER TABLE … ADD DATA METRIC FUNCTION …, then %dt quality NAME --evaluate or move the clock',
      },
    );
  const tables: TableQuality[] = [];
  for (const table of names) {
    const { rows: scores } = await db.query(
      `SELECT CAST(measurement_time AS VARCHAR), score, state, checks, failing FROM dtlab.quality_scores
        WHERE table_name = $1 ORDER BY measurement_time DESC LIMIT ${MAX_POINTS}`,
      [table],
    );
    scores.reverse();
    const last = scores[scores.length - 1];
    const { rows: results } = await db.query(
      `SELECT reference_id, CAST(measurement_time AS VARCHAR), value, expectation_violated, failing_sample
         FROM dtlab.dmf_results WHERE table_name = $1 ORDER BY measurement_time`,
      [table],
    );
    const rules: RuleView[] = [];
    for (const a of assocs.filter((x) => x.table === table)) {
      const mine = results.filter((r) => r[0] === a.referenceId);
      const latest = mine[mine.length - 1];
      const args = a.args.map((x) =>
        x.kind === 'column'
          ? x.name
          : x.kind === 'table'
            ? `TABLE(${x.table}(${x.columns.join(', ')}))`
            : `${x.param} -> ${x.body}`,
      );
      const expectation = a.expectation ? `${a.expectation.name} (${a.expectation.text})` : null;
      const violated = latest?.[3];
      rules.push({
        rule: ruleName(a.metric, args, expectation),
        kind: 'metric',
        value: num(latest?.[2]),
        passRate: violated === null || violated === undefined ? null : violated ? 0 : 1,
        history: mine
          .filter((r) => r[3] !== null)
          .slice(-MAX_POINTS)
          .map((r) => [ms(r[1]) as number, r[3] ? 0 : 1]),
        sample: latest?.[4] ? JSON.parse(String(latest[4])) : null,
      });
    }
    const { rows: exps } = await db.query(
      `SELECT expectation, action, rows_passed, rows_failed, CAST(data_timestamp AS VARCHAR), refresh_id
         FROM dtlab.expectation_results WHERE name = $1 ORDER BY refresh_id, expectation`,
      [table],
    );
    for (const e of [...new Set(exps.map((r) => String(r[0])))]) {
      const mine = exps.filter((r) => String(r[0]) === e);
      const rate = (r: Value[]) => {
        const total = (num(r[2]) ?? 0) + (num(r[3]) ?? 0);
        return total === 0 ? 1 : (num(r[2]) ?? 0) / total;
      };
      const latest = mine[mine.length - 1] as Value[];
      rules.push({
        rule: `expectation ${e} (${latest[1]})`,
        kind: 'expectation',
        value: num(latest[3]),
        passRate: rate(latest),
        history: mine
          .slice(-MAX_POINTS)
          .flatMap((r) => (r[4] === null ? [] : [[ms(r[4]) as number, rate(r)]])),
        sample: null,
      });
    }
    tables.push({
      table,
      score: num(last?.[1]),
      state: last ? String(last[2]) : 'NO_CHECKS',
      checks: num(last?.[3]) ?? 0,
      failing: num(last?.[4]) ?? 0,
      measuredAt: ms(last?.[0]),
      rules,
      trend: scores.map((r) => [ms(r[0]) as number, num(r[1])]),
    });
  }
  return { name: name ?? null, tables };
}
