/**
 * Incidents on all three backends, under the manual clock: de-duplication while open, the rate limit on
 * notifications, escalation of an unacknowledged critical incident at exactly its delay, acknowledge and
 * resolve with notes, and the transitions kept for review.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { templateSql } from '../src/alerts/templates.js';
import type { Backend } from '../src/backends/backend.js';
import { ManualClock } from '../src/clock.js';
import { Engine } from '../src/engine/engine.js';
import { Scheduler } from '../src/schedule/scheduler.js';
import { errorOf, MIN, openAlerting, recordingNotifier, rows, S } from './helpers/alerts.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const T0 = Date.UTC(2026, 0, 5);

/** A DT with a 1-minute target that stops at 00:05, and a critical freshness alert on it escalating after 3 min. */
async function behind(engine: Engine, dt: string): Promise<string> {
  await engine.execute(`CREATE TABLE ${dt}_src (id INTEGER);
    CREATE DYNAMIC TABLE ${dt} TARGET_LAG = '1 minute' REFRESH_MODE = FULL AS SELECT id FROM ${dt}_src`);
  const sql = templateSql({
    kind: 'freshness',
    target: dt,
    threshold: 50,
    severity: 'critical',
    channel: 'ops_email',
    escalateTo: 'pager',
    escalateAfterMinutes: 3,
  });
  await engine.execute(sql.create);
  await engine.execute(sql.resume);
  return sql.name;
}

const sent = async (engine: Engine, like: string) =>
  (await rows(engine, `SELECT integration, subject FROM sent WHERE subject LIKE '%${like}%'`)).map((r) =>
    r.join(' | '),
  );

describe.each(BACKEND_KINDS)('incidents on %s', (kind) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await freshBackend(kind);
  });
  afterAll(async () => {
    await backend?.close();
  });

  it('deduplicates, escalates at exactly its delay, resolves, and rate-limits a re-opened incident', async () => {
    const { engine, scheduler } = await openAlerting(backend, T0);
    const name = await behind(engine, 'inc_a');
    await scheduler.advance(5 * MIN);
    await engine.execute('ALTER DYNAMIC TABLE inc_a SUSPEND');
    await scheduler.advance(2 * MIN); // fires at 00:07
    const incidents = engine.alerts.incidents;
    const opened = await incidents.openFor(name);
    expect([opened?.state, opened?.openedAt]).toEqual(['OPEN', T0 + 7 * MIN]);
    await scheduler.advance(3 * MIN - S); // 00:09:59: fired twice more, not yet escalated
    let i = await incidents.get(opened?.id as number);
    expect([i.fireCount, i.escalatedAt]).toEqual([3, null]);
    expect(await sent(engine, 'inc_a')).toEqual([
      'ops_email | [CRITICAL] inc_a: lag more than 50% over its target',
    ]);
    await scheduler.advance(S); // 00:10: escalates
    i = await incidents.get(i.id);
    expect([i.fireCount, i.escalatedAt]).toEqual([4, T0 + 10 * MIN]);
    expect(await sent(engine, 'inc_a')).toHaveLength(2);
    expect((await sent(engine, 'inc_a'))[1]).toMatch(/^pager \| \[ESCALATED CRITICAL\]/);
    await scheduler.advance(5 * MIN); // escalation is once
    expect(await sent(engine, 'inc_a')).toHaveLength(2);

    await incidents.resolve(i.id, 'resumed the DT', engine.clock.now());
    expect((await errorOf(incidents.acknowledge(i.id, null, engine.clock.now()))).code).toBe('DT_ERR_USAGE');
    expect((await errorOf(incidents.resolve(i.id, null, engine.clock.now()))).code).toBe('DT_ERR_USAGE');
    expect((await errorOf(incidents.get(999_999))).code).toBe('DT_ERR_UNKNOWN_OBJECT');
    // Still behind: the next run opens a new incident, whose notification the rate limit (15 min) holds back.
    await scheduler.advance(MIN);
    const again = await incidents.openFor(name);
    expect(again?.id).not.toBe(i.id);
    const evAgain = (await incidents.events(again?.id as number)).map((e) => e.event);
    expect(evAgain).toEqual(['OPENED', 'SUPPRESSED']);
    // The resolved one keeps its history, in order.
    const ev = (await incidents.events(i.id)).map((e) => e.event);
    expect(ev.slice(0, 2)).toEqual(['OPENED', 'NOTIFIED']);
    expect(ev).toContain('ESCALATED');
    expect(ev.filter((e) => e === 'FIRED')).toHaveLength(8);
    expect(ev.at(-1)).toBe('RESOLVED');
    const note = await rows(engine, `SELECT state, note FROM dtlab.incidents WHERE incident_id = ${i.id}`);
    expect(note).toEqual([['RESOLVED', 'resumed the DT']]);
  });

  it('does not escalate an acknowledged incident', async () => {
    const { engine, scheduler } = await openAlerting(backend, T0);
    const name = await behind(engine, 'inc_b');
    const seen: string[] = [];
    engine.events$.subscribe((e) => {
      if (e.type === 'incident' && e.incident.alert === name)
        seen.push(`${e.incident.state} ${e.incident.fireCount}`);
    });
    await scheduler.advance(5 * MIN);
    await engine.execute('ALTER DYNAMIC TABLE inc_b SUSPEND');
    await scheduler.advance(3 * MIN); // opened at 00:07
    const open = await engine.alerts.incidents.openFor(name);
    const acked = await engine.alerts.incidents.acknowledge(
      open?.id as number,
      'looking',
      engine.clock.now(),
    );
    expect([acked.state, acked.acknowledgedAt, acked.note]).toEqual([
      'ACKNOWLEDGED',
      T0 + 8 * MIN,
      'looking',
    ]);
    await scheduler.advance(10 * MIN);
    const after = await engine.alerts.incidents.get(acked.id);
    expect([after.state, after.escalatedAt, after.fireCount]).toEqual(['ACKNOWLEDGED', null, 12]);
    expect(await sent(engine, 'inc_b')).toHaveLength(1);
    // Live views follow incidents on the engine's events: opened, fired again, acknowledged, fired again …
    expect(seen.slice(0, 3)).toEqual(['OPEN 1', 'OPEN 2', 'ACKNOWLEDGED 2']);
    expect(seen.at(-1)).toBe('ACKNOWLEDGED 12');
  });

  it('records ACTION_FAILED when the notification fails, and notifies on a later fire', async () => {
    const known = ['ops_email', 'pager'];
    const clock = new ManualClock(T0);
    const engine = await Engine.open(backend, { clock, notifier: recordingNotifier(backend, known) });
    for (const r of await rows(engine, 'SHOW ALERTS')) await engine.execute(`ALTER ALERT ${r[1]} SUSPEND`);
    const scheduler = new Scheduler(engine);
    const name = await behind(engine, 'inc_c');
    await scheduler.advance(5 * MIN);
    await engine.execute('ALTER DYNAMIC TABLE inc_c SUSPEND');
    known.splice(0, 1); // ops_email is gone (dropped by another session, say)
    await scheduler.advance(2 * MIN);
    const failed = await rows(
      engine,
      `SELECT state, sql_error_code, sql_error_message FROM dtlab.alert_history WHERE name = '${name}' AND state <> 'SCHEDULED' ORDER BY run_id`,
    );
    expect(failed.at(-1)).toEqual([
      'ACTION_FAILED',
      'DT_ERR_UNKNOWN_OBJECT',
      'notification integration ops_email does not exist',
    ]);
    known.unshift('ops_email');
    await scheduler.advance(MIN);
    const open = await engine.alerts.incidents.openFor(name);
    const ev = (await engine.alerts.incidents.events(open?.id as number)).map((e) => e.event);
    expect(ev).toEqual(['OPENED', 'NOTIFY_FAILED', 'FIRED', 'NOTIFIED']);
    expect(await sent(engine, 'inc_c')).toHaveLength(1);
  });
});
