/**
 * `%dt alert …` and `%dt alerts …`: alert templates, the alert preview, and incidents. Pure: words → command,
 * or a DtError at the word at fault. Every numeric argument has a range (ALERT_BOUNDS, docs/alerts.md).
 */

import { TEMPLATE_KINDS, type TemplateKind, type TemplateSpec } from '../alerts/templates.js';
import { SEVERITIES, type Severity } from '../sql/alert-ddl.js';
import { type Args, type Bound, boundedNumber, parseDuration } from './args.js';
import { closest, magicError, type Word } from './words.js';

export type AlertCommand =
  | { kind: 'alert_template'; spec: TemplateSpec; channelAt: number; escalateAt?: number }
  | { kind: 'alert_preview'; spec: TemplateSpec }
  | { kind: 'alerts_list'; limit: number }
  | { kind: 'alerts_ack' | 'alerts_resolve'; id: number; note: string | null }
  | { kind: 'alerts_show'; id: number };

export const ALERT_BOUNDS = {
  over: { min: 1, max: 1000, integer: false, what: 'a percentage over the target lag' },
  below: { min: 0.01, max: 100, integer: false, what: 'a pass-rate percentage' },
  deviation: { min: 1, max: 1000, integer: false, what: 'a percentage of the daily average' },
  drop: { min: 1, max: 100, integer: false, what: 'a percentage of the previous day' },
  seconds: { min: 0.001, max: 86_400, integer: false, what: 'seconds of refresh time' },
  window: { min: 1, max: 90, integer: true, what: 'days averaged' },
  every: { min: 1, max: 11_520, integer: true, what: 'minutes between evaluations' },
  after: { min: 1, max: 10_080, integer: true, what: 'minutes before escalation' },
  id: { min: 1, max: 2_147_483_647, integer: true, what: 'an incident id' },
  limit: { min: 1, max: 1000, integer: true, what: 'a number of incidents' },
} satisfies Record<string, Bound>;

/** The option that carries each kind's threshold, and how it is written. */
const THRESHOLD: Record<TemplateKind, { option: string; unit: '%' | 's' | ''; bound: Bound } | undefined> = {
  freshness: { option: 'over', unit: '%', bound: ALERT_BOUNDS.over },
  quality: { option: 'below', unit: '', bound: ALERT_BOUNDS.below },
  volume: { option: 'deviation', unit: '%', bound: ALERT_BOUNDS.deviation },
  revenue: { option: 'drop', unit: '%', bound: ALERT_BOUNDS.drop },
  performance: { option: 'over', unit: 's', bound: ALERT_BOUNDS.seconds },
  upstream: undefined,
};

const OPTIONS = ['over', 'below', 'deviation', 'drop', 'window', 'column', 'amount', 'severity', 'channel'];
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Defaults for TPC-H's orders (the order simulator's table). */
const ORDERS = { column: 'o_orderdate', amount: 'o_totalprice' };

function minutes(cell: string, w: Word, label: string, bound: Bound): number {
  const ms = parseDuration(w.text);
  if (ms === undefined || ms % 60_000 !== 0)
    throw magicError(
      cell,
      w.start,
      `${label} must be whole minutes such as 30m or 2h, got '${w.text}'`,
      'DT_ERR_OPTION',
    );
  return boundedNumber(cell, w, label, bound, String(ms / 60_000));
}

function ident(cell: string, w: Word, what: string): string {
  if (!IDENT.test(w.text))
    throw magicError(cell, w.start, `expected ${what} (a plain name), got '${w.text}'`);
  return w.text.toLowerCase();
}

/** `%dt alert [preview] KIND TARGET …` */
export function parseAlert(cell: string, make: (allowed: string[]) => Args, end: number): AlertCommand {
  const a = make([...OPTIONS, 'escalate-to', 'after', 'every', 'name']);
  let first = a.required(`'preview' or an alert kind: ${TEMPLATE_KINDS.join(', ')}`);
  const preview = first.text === 'preview';
  if (preview) first = a.required(`an alert kind: ${TEMPLATE_KINDS.join(', ')}`);
  const kind = first.text.toLowerCase() as TemplateKind;
  if (!TEMPLATE_KINDS.includes(kind)) {
    const guess = closest(kind, TEMPLATE_KINDS);
    throw magicError(
      cell,
      first.start,
      `unknown alert kind '${first.text}'${guess ? ` (did you mean ${guess}?)` : ''}; expected ${TEMPLATE_KINDS.join(', ')}`,
    );
  }
  const target = ident(
    cell,
    a.required(kind === 'volume' || kind === 'revenue' ? 'a table name' : 'a dynamic table name'),
    'a table name',
  );
  a.done();
  const spec: TemplateSpec = { kind, target, threshold: 0, severity: 'warning', channel: '' };
  const th = THRESHOLD[kind];
  for (const o of ['over', 'below', 'deviation', 'drop']) {
    const w = a.option(o);
    if (w && o !== th?.option)
      throw magicError(
        cell,
        w.start,
        `--${o} does not apply to a ${kind} alert${th ? `; use --${th.option}` : ''}`,
      );
  }
  if (th) {
    const w = a.option(th.option);
    if (!w) throw magicError(cell, end, `a ${kind} alert needs --${th.option} N${th.unit}`);
    const text = th.unit && w.text.endsWith(th.unit) ? w.text.slice(0, -1) : w.text;
    spec.threshold = boundedNumber(cell, w, `--${th.option}`, th.bound, text);
  }
  const window = a.option('window');
  if (window) {
    if (kind !== 'volume') throw magicError(cell, window.start, '--window applies to volume alerts only');
    const text = window.text.endsWith('d') ? window.text.slice(0, -1) : window.text;
    spec.windowDays = boundedNumber(cell, window, '--window', ALERT_BOUNDS.window, text);
  }
  if (kind === 'volume' || kind === 'revenue') {
    const col = a.option('column');
    spec.column = col ? ident(cell, col, 'a column name') : target === 'orders' ? ORDERS.column : undefined;
    if (!spec.column)
      throw magicError(
        cell,
        end,
        `a ${kind} alert on ${target} needs --column (the date or timestamp column)`,
      );
    if (kind === 'revenue') {
      const amt = a.option('amount');
      spec.amount = amt ? ident(cell, amt, 'a column name') : target === 'orders' ? ORDERS.amount : undefined;
      if (!spec.amount)
        throw magicError(cell, end, `a revenue alert on ${target} needs --amount (the column summed)`);
    }
  }
  if (preview) return { kind: 'alert_preview', spec };
  const sev = a.option('severity');
  if (sev) {
    if (!SEVERITIES.includes(sev.text as Severity))
      throw magicError(
        cell,
        sev.start,
        `--severity must be info, warning or critical, got '${sev.text}'`,
        'DT_ERR_OPTION',
      );
    spec.severity = sev.text as Severity;
  }
  const channel = a.option('channel');
  if (!channel)
    throw magicError(cell, end, 'an alert needs --channel INTEGRATION (a notification integration)');
  spec.channel = ident(cell, channel, 'a notification integration name');
  const to = a.option('escalate-to');
  const after = a.option('after');
  if (after && !to) throw magicError(cell, after.start, '--after needs --escalate-to INTEGRATION');
  if (to) {
    if (spec.severity !== 'critical')
      throw magicError(cell, to.start, 'only critical incidents escalate: add --severity critical');
    spec.escalateTo = ident(cell, to, 'a notification integration name');
    spec.escalateAfterMinutes = after ? minutes(cell, after, '--after', ALERT_BOUNDS.after) : 30;
  }
  const every = a.option('every');
  if (every) spec.everyMinutes = minutes(cell, every, '--every', ALERT_BOUNDS.every);
  const name = a.option('name');
  if (name) spec.name = ident(cell, name, 'an alert name');
  return {
    kind: 'alert_template',
    spec,
    channelAt: channel.start,
    ...(to ? { escalateAt: to.start } : {}),
  };
}

/** `%dt alerts [--limit N] | ack ID [--note …] | resolve ID [--note …] | show ID` */
export function parseAlerts(cell: string, make: (allowed: string[]) => Args): AlertCommand {
  const a = make(['note', 'limit']);
  const verb = a.optional();
  if (!verb) {
    a.done();
    const lim = a.option('limit');
    return { kind: 'alerts_list', limit: lim ? boundedNumber(cell, lim, '--limit', ALERT_BOUNDS.limit) : 50 };
  }
  if (!['ack', 'resolve', 'show'].includes(verb.text))
    throw magicError(cell, verb.start, `unknown '${verb.text}': expected ack ID, resolve ID or show ID`);
  const idWord = a.required('an incident id');
  a.done();
  const id = boundedNumber(cell, idWord, 'the incident id', ALERT_BOUNDS.id);
  if (verb.text === 'show') return { kind: 'alerts_show', id };
  const note = a.option('note')?.text ?? null;
  return { kind: verb.text === 'ack' ? 'alerts_ack' : 'alerts_resolve', id, note };
}
