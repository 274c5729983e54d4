/**
 * DATA_METRIC_SCHEDULE's values (Snowflake's spelling), parsed for the DMF grammar (sql/quality-ddl.ts); a
 * bad one fails at the option's position.
 */
import { parseSchedule as parseCron } from '../alerts/schedule.js';
import type { Cursor } from './cursor.js';
import type { Token } from './lexer.js';

/** Snowflake's DMF schedule intervals, in minutes ('<n> MINUTE'). */
export const DMF_SCHEDULE_MINUTES = [5, 15, 30, 60, 720, 1440] as const;

export type DmfSchedule =
  | { kind: 'minutes'; minutes: number }
  | { kind: 'trigger_on_changes' }
  /** 'USING CRON <min> <hour> <day> <month> <weekday> <time zone>' (parsed by croner, as alerts' schedules). */
  | { kind: 'cron'; text: string }
  /** '' : every DMF of the table is suspended. */
  | { kind: 'none' };

/** '5 MINUTE' | 'USING CRON <expr> <time zone>' | 'TRIGGER_ON_CHANGES' | ''. */
export function parseSchedule(c: Cursor, text: string, at: Token | undefined): DmfSchedule {
  const s = text.trim().toUpperCase();
  if (s === '') return { kind: 'none' };
  if (s === 'TRIGGER_ON_CHANGES') return { kind: 'trigger_on_changes' };
  if (/^USING\s+CRON\b/.test(s)) {
    try {
      const cron = parseCron(text);
      if (cron.kind === 'cron') return { kind: 'cron', text: cron.text };
    } catch (e) {
      c.failOption(`invalid DATA_METRIC_SCHEDULE: ${e instanceof Error ? e.message : String(e)}`, at);
    }
  }
  const m = /^(\d{1,6})\s+MINUTES?$/.exec(s);
  const allowed = DMF_SCHEDULE_MINUTES.join(', ');
  if (!m) {
    c.failOption(
      `invalid DATA_METRIC_SCHEDULE '${text}': expected '<n> MINUTE' (n one of ${allowed}), 'USING CRON <expression> <time zone>' or 'TRIGGER_ON_CHANGES'`,
      at,
    );
  }
  const minutes = Number(m[1]);
  if (!(DMF_SCHEDULE_MINUTES as readonly number[]).includes(minutes))
    c.failOption(
      `invalid DATA_METRIC_SCHEDULE '${text}': the interval must be one of ${allowed} minutes`,
      at,
    );
  return { kind: 'minutes', minutes };
}
