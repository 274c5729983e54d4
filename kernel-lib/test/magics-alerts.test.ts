/**
 * `%dt alert …` and `%dt alerts …` in a magic session on DuckDB: the template prints the SQL it ran, an alert
 * fires as the clock moves, the preview replays the history, incidents are acknowledged and resolved from the
 * notebook; bad arguments fail at the word at fault and change nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { openBackend } from '../src/backends/open.js';
import { ALERT_MIME } from '../src/display/alerts.js';
import type { OutputBundle } from '../src/display/bundle.js';
import { DtError } from '../src/errors.js';
import { MagicSession } from '../src/magics/session.js';
import { recordingNotifier } from './helpers/alerts.js';

let session: MagicSession;

beforeAll(() => {
  session = new MagicSession({
    defaultSpec: 'duckdb',
    open: (spec) => openBackend(spec),
    start: Date.UTC(2026, 0, 1),
    notifier: (backend: Backend) => recordingNotifier(backend, ['ops_email', 'pager']),
  });
});
afterAll(() => session.close());

const text = (out: OutputBundle[] | null) => (out ?? []).map((b) => String(b.data['text/plain'])).join('\n');

async function failure(cell: string): Promise<DtError> {
  try {
    await session.run(cell);
  } catch (e) {
    if (e instanceof DtError) return e;
    throw e;
  }
  throw new Error(`expected ${cell} to fail`);
}

describe('alert magics', () => {
  it('creates a template alert, fires it, previews it, acknowledges and resolves the incident', async () => {
    await session.run(`%%sql
CREATE TABLE s_src (id INTEGER, code VARCHAR);
CREATE DYNAMIC TABLE s_dt TARGET_LAG = '1 minute' REFRESH_MODE = FULL
  AS SELECT id, CAST(code AS INTEGER) AS n FROM s_src`);
    await session.run('%dt clock +5m');
    const made = text(
      await session.run(
        '%dt alert freshness s_dt --over 50% --channel ops_email --severity critical --escalate-to pager --after 10m',
      ),
    );
    expect(made).toContain('CREATE OR REPLACE ALERT freshness_s_dt');
    expect(made).toContain(
      "CALL DTLAB$RAISE_INCIDENT('critical', 's_dt: lag more than 50% over its target', 'ops_email', 'pager', 10)",
    );
    expect(made).toContain('Alert freshness_s_dt resumed.');
    // A value that does not cast: every refresh from 00:06 fails, and s_dt falls behind.
    await session.run("%%sql\nINSERT INTO s_src VALUES (1, 'abc')");
    await session.run('%dt clock +5m');
    const list = await session.run('%dt alerts');
    const data = list?.[0]?.data[ALERT_MIME.incidents] as {
      incidents: { id: number; state: string; alert: string }[];
    };
    expect(data.incidents.map((i) => [i.alert, i.state])).toEqual([['freshness_s_dt', 'OPEN']]);
    expect(String(list?.[0]?.data['text/html'])).toContain('freshness_s_dt');
    const id = data.incidents[0]?.id as number;

    const preview = await session.run('%dt alert preview freshness s_dt --over 50%');
    expect(text(preview)).toMatch(/would have opened 1 incident, at 2026-01-01 00:07/);
    expect(String(preview?.[0]?.data['text/html'])).toContain('<svg');

    expect(text(await session.run(`%dt alerts ack ${id} --note "on it"`))).toContain(
      `incident ${id} acknowledged`,
    );
    expect(text(await session.run(`%dt alerts resolve ${id} --note "resumed"`))).toContain(
      `incident ${id} resolved`,
    );
    const shown = text(await session.run(`%dt alerts show ${id}`));
    expect(shown).toMatch(
      /OPENED[\s\S]*NOTIFIED[\s\S]*ACKNOWLEDGED[\s\S]*on it[\s\S]*RESOLVED[\s\S]*resumed/,
    );
  });

  it('refuses bad arguments at the word at fault, changing nothing', async () => {
    const before = text(await session.run('%%sql\nSHOW ALERTS'));
    const cases: [string, string, string][] = [
      ['%dt alert freshness s_dt --over 50% --channel nope', 'DT_ERR_UNKNOWN_OBJECT', 'nope'],
      ['%dt alert freshness s_dt --over 0% --channel ops_email', 'DT_ERR_OPTION', '0%'],
      ['%dt alert freshness s_dt --below 5 --channel ops_email', 'DT_ERR_SYNTAX', '5 '],
      [
        '%dt alert freshness s_dt --over 50% --channel ops_email --escalate-to pager',
        'DT_ERR_SYNTAX',
        'pager',
      ],
      ['%dt alert freshnes s_dt --over 50%', 'DT_ERR_SYNTAX', 'freshnes'],
      ['%dt alert freshness s_dt --over 50% --channel ops_email --every 0m', 'DT_ERR_OPTION', '0m'],
      ['%dt alerts ack 0', 'DT_ERR_OPTION', '0'],
    ];
    for (const [cell, code, word] of cases) {
      const e = await failure(cell);
      expect([e.code, e.details.position?.column], cell).toEqual([code, cell.lastIndexOf(word) + 1]);
    }
    expect((await failure('%dt alert volume lineitem --deviation 20% --channel ops_email')).message).toMatch(
      /--column/,
    );
    expect((await failure('%dt alert preview upstream s_dt')).code).toBe('DT_ERR_USAGE');
    expect((await failure('%dt alerts ack 424242')).code).toBe('DT_ERR_UNKNOWN_OBJECT');
    expect(text(await session.run('%%sql\nSHOW ALERTS'))).toBe(before);
    // Alert runs count toward the clock step's bound: a 1-minute alert for 30 days is 43200 runs.
    await session.run('%%sql\nALTER ALERT freshness_s_dt RESUME');
    const step = await failure('%dt clock +30d');
    expect([step.code, step.message]).toEqual([
      'DT_ERR_OPTION',
      expect.stringMatching(/would run about 4\d{4} refreshes/),
    ]);
  });
});
