/** The pure parts of alerts: schedules (croner), the grammar, and the preview's judging. */
import { describe, expect, it } from 'vitest';
import type { Incident } from '../src/alerts/incidents.js';
import { judge } from '../src/alerts/preview.js';
import { nextRunAfter, parseSchedule } from '../src/alerts/schedule.js';
import { foldIncidents } from '../src/display/alerts.js';
import type { DtError } from '../src/errors.js';
import { parseAlertStatement } from '../src/sql/alert-ddl.js';
import { parseStatement } from '../src/sql/ddl.js';
import { tokenize } from '../src/sql/lexer.js';

const parse = (sql: string) => parseAlertStatement(sql, tokenize(sql));
const MIN = 60_000;

describe('alert schedules', () => {
  it('parses intervals within 1 to 11520 minutes and cron with a time zone', () => {
    expect(parseSchedule('5 minutes')).toEqual({ kind: 'interval', minutes: 5, text: '5 MINUTE' });
    for (const bad of [
      '0 MINUTE',
      '11521 MINUTE',
      '5 HOURS',
      'USING CRON 0 9 * * MON',
      'USING CRON 0 25 * * * UTC',
    ])
      expect(() => parseSchedule(bad), bad).toThrow();
    const cron = parseSchedule('USING CRON 0 9 * * MON America/Los_Angeles');
    // Monday 5 Jan 2026, 09:00 in Los Angeles = 17:00 UTC.
    expect(nextRunAfter(cron, Date.UTC(2026, 0, 1), 0)).toBe(Date.UTC(2026, 0, 5, 17));
  });

  it('counts interval periods from the anchor, strictly after the given instant', () => {
    const s = parseSchedule('5 MINUTE');
    const anchor = Date.UTC(2026, 0, 1, 0, 2);
    expect(nextRunAfter(s, anchor, anchor)).toBe(anchor + 5 * MIN);
    expect(nextRunAfter(s, anchor + 5 * MIN, anchor)).toBe(anchor + 10 * MIN);
    expect(nextRunAfter(s, anchor + 7 * MIN, anchor)).toBe(anchor + 10 * MIN);
  });
});

describe('alert grammar', () => {
  it('keeps the EXISTS query verbatim, parentheses and strings included', () => {
    const s = parse(
      "CREATE ALERT x SCHEDULE = '1 MINUTE' IF (EXISTS (SELECT ')' AS p FROM (SELECT 1) t WHERE (1 = 1))) THEN SELECT 1",
    );
    expect(s?.kind === 'create_alert' && s.condition.text).toBe(
      "SELECT ')' AS p FROM (SELECT 1) t WHERE (1 = 1)",
    );
    expect(s?.kind === 'create_alert' && s.action.text).toBe('SELECT 1');
  });

  it('parses ALTER ALERT forms, and leaves other statements to the DDL grammar', () => {
    expect(parse("ALTER ALERT x SET SCHEDULE = '10 MINUTE', COMMENT = 'c'")).toMatchObject({
      kind: 'alter_alert',
      action: { kind: 'set', schedule: { minutes: 10 }, comment: 'c' },
    });
    expect(parse('ALTER ALERT IF EXISTS x MODIFY CONDITION EXISTS (SELECT 2)')).toMatchObject({
      ifExists: true,
      action: { kind: 'condition', condition: { text: 'SELECT 2' } },
    });
    expect(parse('CREATE TABLE t (a INT)')).toBeUndefined();
    expect(parseStatement('SHOW ALERTS', tokenize('SHOW ALERTS')).kind).toBe('show_alerts');
    expect(parseStatement('EXECUTE ALERT a', tokenize('EXECUTE ALERT a')).kind).toBe('execute_alert');
  });

  it('positions its errors', () => {
    const cases: [string, string, number][] = [
      ['CREATE ALERT x IF (EXISTS (SELECT 1)) THEN SELECT 1', 'DT_ERR_OPTION', 16],
      ["CREATE ALERT x SCHEDULE = '1 MINUTE' IF (EXISTS ()) THEN SELECT 1", 'DT_ERR_SYNTAX', 50],
      ["CREATE ALERT x SCHEDULE = '1 MINUTE' IF (EXISTS (SELECT 1) THEN SELECT 1", 'DT_ERR_SYNTAX', 60],
      [
        "CREATE ALERT x SCHEDULE = '1 MINUTE' SCHEDULE = '2 MINUTE' IF (EXISTS (SELECT 1)) THEN SELECT 1",
        'DT_ERR_OPTION',
        38,
      ],
      ["CALL DTLAB$RAISE_INCIDENT('critical', 's', 'ops', 'pager', 0)", 'DT_ERR_OPTION', 60],
      ["CALL DTLAB$RAISE_INCIDENT('warning', 's', 'ops', 'pager', 5)", 'DT_ERR_OPTION', 50],
    ];
    for (const [sql, code, column] of cases) {
      let err: DtError | undefined;
      try {
        parse(sql);
      } catch (e) {
        err = e as DtError;
      }
      expect([err?.code, err?.details.position?.column], sql).toEqual([code, column]);
    }
  });
});

describe('alert preview judging', () => {
  const spec = { severity: 'warning', channel: 'c' } as const;
  it('freshness: one incident per episode over the limit', () => {
    const rows = [10, 100, 120, 30, 200].map((lag, i) => [`2026-01-01 00:0${i}:00`, lag, 60]);
    const p = judge({ ...spec, kind: 'freshness', target: 'd', threshold: 50 }, rows);
    expect(p.points.map((q) => q.firing)).toEqual([false, true, true, false, true]);
    expect(p.fires).toEqual([Date.UTC(2026, 0, 1, 0, 1), Date.UTC(2026, 0, 1, 0, 4)]);
  });

  it('volume: missing days count as zero rows, as the condition sees them', () => {
    const days = ['2026-01-01', '2026-01-02', '2026-01-04'];
    const p = judge(
      { ...spec, kind: 'volume', target: 'o', column: 'd', threshold: 20, windowDays: 1 },
      days.map((d) => [d, 10]),
    );
    // 01-02 vs 01-01: equal; 01-03 (none) vs 01-02: −100 %; 01-04 vs 01-03 (0): no average, not judged.
    expect(p.points.map((q) => [new Date(q.t).toISOString().slice(0, 10), q.value, q.firing])).toEqual([
      ['2026-01-02', 10, false],
      ['2026-01-03', 0, true],
      ['2026-01-04', 10, false],
    ]);
  });
});

describe('incidents view', () => {
  it('replaces an incident by id and keeps open ones first, newest first', () => {
    const inc = (id: number, state: Incident['state']) => ({ id, state }) as Incident;
    const view = [inc(3, 'OPEN'), inc(1, 'OPEN'), inc(2, 'RESOLVED')];
    expect(foldIncidents(view, inc(3, 'RESOLVED')).map((i) => [i.id, i.state])).toEqual([
      [1, 'OPEN'],
      [3, 'RESOLVED'],
      [2, 'RESOLVED'],
    ]);
    expect(foldIncidents(view, inc(4, 'OPEN')).map((i) => i.id)).toEqual([4, 3, 1, 2]);
  });
});
