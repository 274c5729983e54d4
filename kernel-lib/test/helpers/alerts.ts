/** Shared by the alert tests: a real recording notifier, an engine on a manual clock, and row helpers. */
import type { Notification, Notifier } from '../../src/alerts/incidents.js';
import type { Backend, Value } from '../../src/backends/backend.js';
import { ManualClock } from '../../src/clock.js';
import { Engine } from '../../src/engine/engine.js';
import { DtError } from '../../src/errors.js';
import { Scheduler, type SchedulerOptions } from '../../src/schedule/scheduler.js';

export const S = 1000;
export const MIN = 60 * S;

/** Knows a fixed set of integrations and writes every notification to table `sent` (in order). */
export function recordingNotifier(backend: Backend, known: string[]): Notifier {
  return {
    exists: async (name) => known.includes(name),
    notify: async (n: Notification) => {
      if (!known.includes(n.integration))
        throw new DtError(
          'DT_ERR_UNKNOWN_OBJECT',
          `notification integration ${n.integration} does not exist`,
        );
      await backend.query(
        'CREATE TABLE IF NOT EXISTS sent (integration VARCHAR, subject VARCHAR, body VARCHAR)',
      );
      await backend.query('INSERT INTO sent VALUES ($1, $2, $3)', [n.integration, n.subject, n.body]);
    },
  };
}

export async function openAlerting(backend: Backend, start: number, options: SchedulerOptions = {}) {
  const clock = new ManualClock(start);
  const engine = await Engine.open(backend, {
    clock,
    notifier: recordingNotifier(backend, ['ops_email', 'pager']),
  });
  // Earlier tests' alerts on the shared database would run at every step of this one's clock: stop them.
  for (const r of await rows(engine, 'SHOW ALERTS')) await engine.execute(`ALTER ALERT ${r[1]} SUSPEND`);
  return { clock, engine, scheduler: new Scheduler(engine, options) };
}

export const rows = async (engine: Engine, sql: string): Promise<Value[][]> =>
  (await engine.execute(sql)).at(-1)?.rows ?? [];

/** The alert's runs as [state, HH:MM:SS of scheduled time] (of day `day` when given as YYYY-MM-DD prefix). */
export async function runsOf(engine: Engine, name: string): Promise<string[][]> {
  const r = await rows(
    engine,
    `SELECT state, CAST(scheduled_time AS VARCHAR) FROM dtlab.alert_history WHERE name = '${name}' AND state <> 'SCHEDULED' ORDER BY run_id`,
  );
  return r.map((x) => [String(x[0]), String(x[1]).slice(0, 19)]);
}

export async function errorOf(p: Promise<unknown>): Promise<DtError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DtError) return e;
    throw e;
  }
  throw new Error('expected an error');
}
