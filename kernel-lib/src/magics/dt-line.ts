/**
 * The `%dt` line magics: `%dt <subcommand> [args] [--option value]`. Pure: a line of a cell → a DtCommand,
 * or a DtError whose position is the offending word's line and column in the cell.
 */
import { EXERCISES } from '../exercises/registry.js';
import type { FaultKind } from '../tpch/simulator.js';
import { type AlertCommand, parseAlert, parseAlerts } from './alert-line.js';
import { CALC_OPTIONS, type CalcCommand, parseAdvise, parseCalc } from './calc-line.js';
import { parseFaults } from './faults.js';
import { closest, magicError, splitWords, type Word } from './words.js';

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

/** A numeric argument's documented range (docs/magics.md): decimal digits only, no sign, exponent or hex. */
export interface Bound {
  min: number;
  max: number;
  integer: boolean;
  what: string;
}

/** Every numeric argument of the %dt magics and its range. */
export const BOUNDS = {
  sf: { min: 0.001, max: 1, integer: false, what: 'a TPC-H scale factor' },
  rate: { min: 0.001, max: 100, integer: false, what: 'order events per clock second' },
  seed: { min: 0, max: 2_147_483_647, integer: true, what: 'a seed' },
  limit: { min: 1, max: 10_000, integer: true, what: 'a number of history rows' },
  speed: { min: 1, max: 3600, integer: false, what: 'a clock speed' },
  page: { min: 1, max: 1_000_000, integer: true, what: 'a page number' },
  'page-size': { min: 1, max: 1000, integer: true, what: 'rows per page' },
  id: { min: 0, max: 999_999_999_999, integer: true, what: 'a quarantined row id' },
} satisfies Record<string, Bound>;

/** The longest `%dt clock +DURATION` step: 366 days. */
export const MAX_CLOCK_STEP_MS = 366 * 86_400_000;

const DECIMAL = /^\d{1,12}(\.\d{1,12})?$/;

/** `word` as a number within `bound`, or a DT_ERR_OPTION at it saying the range. */
export function boundedNumber(
  cell: string,
  word: Word,
  label: string,
  bound: Bound,
  text = word.text,
): number {
  const n = Number(text);
  const ok = (bound.integer ? /^\d{1,12}$/ : DECIMAL).test(text) && n >= bound.min && n <= bound.max;
  if (!ok)
    throw magicError(
      cell,
      word.start,
      `${label} must be ${bound.integer ? 'a whole number' : 'a number'} from ${bound.min} to ${bound.max} (${bound.what}), got '${word.text}'`,
      'DT_ERR_OPTION',
    );
  return n;
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `+6h`, `+90m`, `+1d12h`, `+30s` → milliseconds; undefined if it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const m = /^\+?((?:\d+(?:\.\d+)?[smhd])+)$/.exec(text);
  if (!m) return undefined;
  let ms = 0;
  for (const part of (m[1] as string).matchAll(/(\d+(?:\.\d+)?)([smhd])/g))
    ms += Number(part[1]) * (UNIT_MS[part[2] as string] as number);
  return ms > 0 ? ms : undefined;
}

/** Walks the words after the subcommand; `--name value` options are collected first. */
export class Args {
  private readonly positional: Word[] = [];
  private readonly options = new Map<string, Word>();
  constructor(
    private readonly cell: string,
    words: Word[],
    private readonly end: number,
    allowed: readonly string[],
    flags: readonly string[] = [],
  ) {
    for (let i = 0; i < words.length; i++) {
      const w = words[i] as Word;
      if (!w.text.startsWith('--')) {
        this.positional.push(w);
        continue;
      }
      const name = w.text.slice(2);
      if (!allowed.includes(name) && !flags.includes(name)) {
        const guess = closest(name, [...allowed, ...flags]);
        const known = [...allowed, ...flags].map((o) => `--${o}`).join(', ') || 'none';
        throw magicError(
          cell,
          w.start,
          `unknown option ${w.text}${guess ? ` (did you mean --${guess}?)` : ''}; options: ${known}`,
        );
      }
      if (flags.includes(name)) {
        this.options.set(name, w);
        continue;
      }
      const value = words[i + 1];
      if (!value || value.text.startsWith('--')) throw magicError(cell, w.start, `${w.text} needs a value`);
      this.options.set(name, value);
      i++;
    }
  }

  required(what: string): Word {
    const w = this.positional.shift();
    if (!w) throw magicError(this.cell, this.end, `expected ${what}`);
    return w;
  }

  optional(): Word | undefined {
    return this.positional.shift();
  }

  rest(): Word[] {
    return this.positional.splice(0);
  }

  option(name: string): Word | undefined {
    return this.options.get(name);
  }

  flag(name: string): boolean {
    return this.options.has(name);
  }

  /** A numeric option within its documented range (BOUNDS), or a positioned DT_ERR_OPTION. */
  number(name: keyof typeof BOUNDS): number | undefined {
    const w = this.options.get(name);
    return w ? boundedNumber(this.cell, w, `--${name}`, BOUNDS[name]) : undefined;
  }

  done(): void {
    const extra = this.positional[0];
    if (extra) throw magicError(this.cell, extra.start, `unexpected '${extra.text}'`);
  }
}

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

/** `%dt quarantine NAME [--page N] [--page-size N]` or `%dt quarantine NAME readmit|discard ID …`. */
function parseQuarantine(cell: string, a: Args, end: number): DtCommand {
  const dt = a.required('a dynamic table name');
  const verb = a.optional();
  if (!verb) {
    return {
      kind: 'quarantine',
      name: dt.text,
      page: a.number('page') ?? 1,
      pageSize: a.number('page-size') ?? 20,
    };
  }
  const action = verb.text.toLowerCase();
  if (action !== 'readmit' && action !== 'discard')
    throw magicError(
      cell,
      verb.start,
      `unknown quarantine action '${verb.text}': expected readmit or discard`,
    );
  if (a.option('page') || a.option('page-size'))
    throw magicError(
      cell,
      (a.option('page') ?? (a.option('page-size') as Word)).start,
      `--page and --page-size only list rows`,
    );
  const ids = a.rest();
  if (ids.length === 0) throw magicError(cell, end, `expected the ids of the rows to ${action}`);
  if (ids.length > 1000)
    throw magicError(cell, (ids[1000] as Word).start, 'at most 1000 ids at once', 'DT_ERR_OPTION');
  return {
    kind: 'quarantine_review',
    name: dt.text,
    action: action === 'readmit' ? 'READMIT' : 'DISCARD',
    ids: ids.map((w) => boundedNumber(cell, w, 'a row id', BOUNDS.id)),
    at: ids.map((w) => w.start),
  };
}

function parseClock(cell: string, a: Args, end: number): DtCommand {
  const first = a.optional();
  if (!first || first.text === 'show') {
    a.done();
    return { kind: 'clock_show' };
  }
  if (first.text === 'pause') {
    a.done();
    return { kind: 'clock_pause' };
  }
  if (first.text === 'run') {
    const speed = a.required('a speed such as x60');
    a.done();
    const m = /^[x×](.*)$/i.exec(speed.text);
    if (!m) throw magicError(cell, speed.start, `expected a speed such as x60, got '${speed.text}'`);
    const factor = boundedNumber(cell, speed, 'the clock speed', BOUNDS.speed, m[1]);
    return { kind: 'clock_run', factor };
  }
  const ms = parseDuration(first.text);
  if (ms === undefined || !first.text.startsWith('+'))
    throw magicError(
      cell,
      first.start ?? end,
      `unknown clock command '${first.text}': expected show, +DURATION (e.g. +6h, +90m), run x60 or pause`,
    );
  a.done();
  if (ms > MAX_CLOCK_STEP_MS)
    throw magicError(
      cell,
      first.start,
      `a clock step must be at most 366 days, got '${first.text}'`,
      'DT_ERR_OPTION',
    );
  return { kind: 'clock_advance', ms, text: first.text, at: first.start };
}
