/**
 * The `%dt` line magics: `%dt <subcommand> [args] [--option value]`. Pure: a line of a cell → a DtCommand,
 * or a DtError whose position is the offending word's line and column in the cell. Here: DtCommand, the
 * subcommands, DT_USAGE and parseDtLine; the words after a subcommand are read by Args (args.ts), and the
 * longer grammars are beside it (clock-line.ts, quarantine-line.ts, alert-line.ts, calc-line.ts, faults.ts).
 */
import { EXERCISES } from '../exercises/registry.js';
import type { FaultKind } from '../tpch/simulator.js';
import { type AlertCommand, parseAlert, parseAlerts } from './alert-line.js';
import { Args } from './args.js';
import { CALC_OPTIONS, type CalcCommand, parseAdvise, parseCalc } from './calc-line.js';
import { parseClock } from './clock-line.js';
import { parseFaults } from './faults.js';
import { parseQuarantine } from './quarantine-line.js';
import { closest, magicError, splitWords } from './words.js';

export { Args, BOUNDS, type Bound, boundedNumber, parseDuration } from './args.js';
export { MAX_CLOCK_STEP_MS } from './clock-line.js';

export type DtCommand =
  | { kind: 'connect'; spec: string }
  | { kind: 'load_tpch'; sf: number; keys: 'primary' | 'none'; replace: boolean }
  | { kind: 'show'; like?: string }
  | { kind: 'graph' }
  | { kind: 'lag'; names: string[] }
  | { kind: 'history'; name?: string; limit: number }
  | { kind: 'refresh'; name: string }
  | { kind: 'verify'; name: string }
  | { kind: 'clock_show' }
  | { kind: 'clock_advance'; ms: number; text: string /** Offset of the step in the cell. */; at: number }
  | { kind: 'clock_run'; factor: number }
  | { kind: 'clock_pause' }
  | { kind: 'simulate'; rate: number; seed: number; faults?: Partial<Record<FaultKind, number>> }
  | { kind: 'quality'; name?: string; evaluate: boolean }
  | { kind: 'simulate_stop' }
  | { kind: 'compare'; a: string; b: string }
  | { kind: 'check'; exercise: string }
  | { kind: 'impact'; table: string; column: string }
  | { kind: 'quarantine'; name: string; page: number; pageSize: number }
  | { kind: 'quarantine_review'; name: string; action: 'READMIT' | 'DISCARD'; ids: number[]; at: number[] }
  | AlertCommand // magics/alert-line.ts
  | CalcCommand; // magics/calc-line.ts

export const DT_SUBCOMMANDS = [
  'connect',
  'load',
  'show',
  'graph',
  'lag',
  'history',
  'refresh',
  'verify',
  'clock',
  'simulate',
  'compare',
  'check',
  'impact',
  'alert',
  'alerts',
  'quarantine',
  'quality',
  'calc',
  'advise',
] as const;

/** `%dt` usage, shown with errors and by `%dt help` in the docs. */
export const DT_USAGE = `%dt connect duckdb | pglite | postgres://…
%dt load tpch --sf 0.01 [--keys primary|none] [--replace]     (--sf 0.01 to 1)
%dt show [LIKE_PATTERN]
%dt graph
%dt lag [NAME …]
%dt history [NAME] [--limit N]                               (N 1 to 10000)
%dt refresh NAME
%dt verify NAME
%dt clock [show] | %dt clock +6h | %dt clock run x60 | %dt clock pause   (step ≤ 366d and ≤ 20000 refreshes; x1 to x3600)
%dt simulate orders --rate N [--seed N] [--faults nulls=P,duplicates=P,negative=P,unknown=P] | %dt simulate stop
    (rate 0.001 to 100; seed 0 to 2147483647; each fault P 0 to 1 per new order; duplicates need --keys none)
    (a long clock step or load shows progress; the stop button ■ / Kernel → Interrupt stops it, every DT whole)
%dt compare NAME_A NAME_B
%dt impact TABLE.COLUMN                                      (the DTs a rename or drop of the column would break)
%dt check EXERCISE                                            (a lesson's exercise: pass, or what is wrong and a hint)
%dt alert freshness DT --over 50% | quality DT --below 95 | volume TABLE --deviation 20% [--window 7d]
          | revenue TABLE --drop 15% | performance DT --over 10s | upstream DT
          --channel INTEGRATION [--severity info|warning|critical] [--escalate-to INTEGRATION --after 30m]
          [--every 5m] [--name ALERT] [--column COL] [--amount COL]   (ranges: docs/alerts.md)
%dt alert preview KIND TARGET --over|--below|--deviation|--drop N   (when it would have fired, charted)
%dt alerts [--limit N] | %dt alerts ack ID [--note "…"] | resolve ID [--note "…"] | show ID
%dt quarantine NAME [--page N] [--page-size N]                (N 1 to 1000000; size 1 to 1000)
%dt quarantine NAME readmit|discard ID [ID …]                 (at most 1000 ids)
%dt quality [NAME] [--evaluate]      (scorecard, expectations and score trend; --evaluate measures NAME now)

%dt calc --lag 10m --mode incremental|full --rows N [--out N] [--change-rate N[/s|/min|/h]] [--size XSMALL]
          [--auto-suspend S]   (a DT's refreshes, credits and worst lag a day; ranges: docs/magics.md)
%dt advise [NAME …]                                           (recommendations with estimated savings)`;

/** Parses the `%dt` line spanning [from, to) of `cell`; `from` is the offset of `%dt`. */
export function parseDtLine(cell: string, from: number, to: number): DtCommand {
  const words = splitWords(cell, from + 3, to);
  const sub = words.shift();
  if (!sub) throw magicError(cell, to, `expected a subcommand after %dt: ${DT_SUBCOMMANDS.join(', ')}`);
  const args = (allowed: readonly string[] = [], flags: readonly string[] = []) =>
    new Args(cell, words, to, allowed, flags);
  const name = sub.text.toLowerCase();
  switch (name) {
    case 'connect': {
      const a = args();
      const spec = a.required('a database: duckdb, pglite or postgres://…');
      a.done();
      if (!/^(duckdb|pglite)(:.*)?$|^postgres(ql)?:\/\//.test(spec.text))
        throw magicError(
          cell,
          spec.start,
          `unknown database '${spec.text}': expected duckdb, pglite or postgres://…`,
        );
      return { kind: 'connect', spec: spec.text };
    }
    case 'load': {
      const a = args(['sf', 'keys'], ['replace']);
      const what = a.required('what to load: tpch');
      if (what.text.toLowerCase() !== 'tpch')
        throw magicError(cell, what.start, `cannot load '${what.text}': expected tpch`);
      a.done();
      const sf = a.number('sf') ?? 0.01;
      const keys = a.option('keys');
      if (keys && keys.text !== 'primary' && keys.text !== 'none')
        throw magicError(
          cell,
          keys.start,
          `--keys must be primary or none, got '${keys.text}'`,
          'DT_ERR_USAGE',
        );
      return {
        kind: 'load_tpch',
        sf,
        keys: keys?.text === 'none' ? 'none' : 'primary',
        replace: a.flag('replace'),
      };
    }
    case 'show': {
      const a = args();
      const like = a.optional();
      a.done();
      return like ? { kind: 'show', like: like.text } : { kind: 'show' };
    }
    case 'graph':
      args().done();
      return { kind: 'graph' };
    case 'lag':
      return {
        kind: 'lag',
        names: args()
          .rest()
          .map((w) => w.text),
      };
    case 'history': {
      const a = args(['limit']);
      const dt = a.optional();
      a.done();
      const limit = a.number('limit') ?? 20;
      return dt ? { kind: 'history', name: dt.text, limit } : { kind: 'history', limit };
    }
    case 'refresh':
    case 'verify': {
      const a = args();
      const dt = a.required('a dynamic table name');
      a.done();
      return { kind: name, name: dt.text };
    }
    case 'clock':
      return parseClock(cell, args(), to);
    case 'simulate': {
      const a = args(['rate', 'seed', 'faults']);
      const what = a.required("'orders' or 'stop'");
      a.done();
      if (what.text === 'stop') return { kind: 'simulate_stop' };
      if (what.text !== 'orders')
        throw magicError(cell, what.start, `cannot simulate '${what.text}': expected orders or stop`);
      const rate = a.number('rate');
      if (rate === undefined)
        throw magicError(cell, to, '%dt simulate orders needs --rate N (events per second)');
      const faults = a.option('faults');
      const seed = a.number('seed') ?? 1;
      return faults
        ? { kind: 'simulate', rate, seed, faults: parseFaults(cell, faults) }
        : { kind: 'simulate', rate, seed };
    }
    case 'quality': {
      const a = args([], ['evaluate']);
      const table = a.optional();
      a.done();
      const evaluate = a.flag('evaluate');
      if (evaluate && !table) throw magicError(cell, to, '%dt quality --evaluate needs a table name');
      return table ? { kind: 'quality', name: table.text, evaluate } : { kind: 'quality', evaluate };
    }
    case 'compare': {
      const a = args();
      const first = a.required('two dynamic table names');
      const second = a.required('a second dynamic table name');
      a.done();
      return { kind: 'compare', a: first.text, b: second.text };
    }
    case 'impact': {
      const a = args();
      const target = a.required('TABLE.COLUMN, e.g. orders.o_orderpriority');
      a.done();
      const m = /^([A-Za-z_][\w$]*)\.([A-Za-z_][\w$]*)$/.exec(target.text);
      if (!m)
        throw magicError(
          cell,
          target.start,
          `expected TABLE.COLUMN (e.g. orders.o_totalprice), got '${target.text}'`,
        );
      return { kind: 'impact', table: m[1] as string, column: m[2] as string };
    }
    case 'check': {
      const a = args();
      const exercise = a.required('an exercise name (see the lesson)');
      a.done();
      const names = EXERCISES.map((e) => e.name);
      if (!names.includes(exercise.text)) {
        const guess = closest(exercise.text, names);
        throw magicError(
          cell,
          exercise.start,
          `no exercise '${exercise.text}'${guess ? ` (did you mean ${guess}?)` : ''}; exercises: ${names.join(', ')}`,
          'DT_ERR_UNKNOWN_OBJECT',
        );
      }
      return { kind: 'check', exercise: exercise.text };
    }
    case 'alert':
      return parseAlert(cell, (allowed) => args(allowed), to);
    case 'alerts':
      return parseAlerts(cell, (allowed) => args(allowed));
    case 'quarantine':
      return parseQuarantine(cell, args(['page', 'page-size']), to);
    case 'calc':
      return parseCalc(cell, args(CALC_OPTIONS), to);
    case 'advise':
      return parseAdvise(args());
    default: {
      const guess = closest(name, DT_SUBCOMMANDS);
      throw magicError(
        cell,
        sub.start,
        `unknown %dt subcommand '${sub.text}'${guess ? ` (did you mean ${guess}?)` : ''}; expected one of ${DT_SUBCOMMANDS.join(', ')}`,
      );
    }
  }
}
