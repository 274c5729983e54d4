/**
 * `%dt calc …` and `%dt advise …`: the cost calculator's and the advisor's grammar. Pure: words → command, or
 * a DtError at the word at fault. Every numeric argument has a range (CALC_BOUNDS, docs/magics.md).
 *
 *   %dt calc --lag 10m --mode full|incremental --rows N [--out N] [--change-rate N[/s|/min|/h]]
 *            [--size XSMALL] [--auto-suspend SECONDS]
 *   %dt advise [NAME …]
 */
import type { CalcInput } from '../advise/calc.js';
import { WAREHOUSE_SIZES, type WarehouseSize } from '../sql/warehouse-ddl.js';
import { type Args, type Bound, boundedNumber, parseDuration } from './args.js';
import { closest, magicError } from './words.js';

export type CalcCommand = { kind: 'calc'; input: CalcInput } | { kind: 'advise'; names: string[] };

export const CALC_BOUNDS = {
  lag: { min: 60, max: 366 * 86_400, integer: false, what: 'target lag seconds: 1 minute to 366 days' },
  rows: { min: 0, max: 100_000_000_000, integer: true, what: 'source rows' },
  out: { min: 0, max: 100_000_000_000, integer: true, what: 'rows of the dynamic table' },
  'change-rate': { min: 0, max: 1_000_000_000, integer: false, what: 'change rows per minute' },
  'auto-suspend': { min: 0, max: 604_800, integer: true, what: 'AUTO_SUSPEND seconds' },
} satisfies Record<string, Bound>;

const PER: Record<string, number> = { s: 60, sec: 60, min: 1, m: 1, h: 1 / 60, hour: 1 / 60 };

export const CALC_OPTIONS = ['lag', 'mode', 'size', 'change-rate', 'rows', 'out', 'auto-suspend'] as const;

export function parseCalc(cell: string, a: Args, end: number): CalcCommand {
  a.done();
  const lagWord = a.option('lag');
  if (!lagWord) throw magicError(cell, end, '%dt calc needs --lag DURATION (e.g. --lag 10m)');
  const lagMs = parseDuration(lagWord.text);
  if (lagMs === undefined || lagWord.text.startsWith('+'))
    throw magicError(
      cell,
      lagWord.start,
      `--lag must be a duration such as 90s, 10m, 1h or 1d, got '${lagWord.text}'`,
    );
  const lag = CALC_BOUNDS.lag;
  if (lagMs / 1000 < lag.min || lagMs / 1000 > lag.max)
    throw magicError(
      cell,
      lagWord.start,
      `--lag must be from 1m to 366d (${lag.what}), got '${lagWord.text}'`,
      'DT_ERR_OPTION',
    );

  const modeWord = a.option('mode');
  if (!modeWord) throw magicError(cell, end, '%dt calc needs --mode incremental or --mode full');
  const mode = modeWord.text.toUpperCase();
  if (mode !== 'INCREMENTAL' && mode !== 'FULL')
    throw magicError(
      cell,
      modeWord.start,
      `--mode must be incremental or full, got '${modeWord.text}'`,
      'DT_ERR_OPTION',
    );

  const sizeWord = a.option('size');
  const size = (sizeWord?.text.toUpperCase().replace(/^X-/, 'X') ?? 'XSMALL') as WarehouseSize;
  if (sizeWord && !WAREHOUSE_SIZES.includes(size)) {
    const guess = closest(sizeWord.text.toUpperCase(), WAREHOUSE_SIZES);
    throw magicError(
      cell,
      sizeWord.start,
      `--size must be one of ${WAREHOUSE_SIZES.join(', ')}, got '${sizeWord.text}'${guess ? ` (did you mean ${guess}?)` : ''}`,
      'DT_ERR_OPTION',
    );
  }

  const num = (name: keyof typeof CALC_BOUNDS, text?: string) => {
    const w = a.option(name);
    return w ? boundedNumber(cell, w, `--${name}`, CALC_BOUNDS[name], text ?? w.text) : undefined;
  };
  const rows = num('rows');
  if (rows === undefined) throw magicError(cell, end, "%dt calc needs --rows N (the sources' rows)");
  const rateWord = a.option('change-rate');
  let changesPerMinute = 0;
  if (rateWord) {
    const m = /^([^/]*)(?:\/(\w+))?$/.exec(rateWord.text);
    const unit = m?.[2] ?? 'min';
    if (!m || !(unit in PER))
      throw magicError(
        cell,
        rateWord.start,
        `--change-rate must be N, N/s, N/min or N/h, got '${rateWord.text}'`,
        'DT_ERR_OPTION',
      );
    changesPerMinute = (num('change-rate', m[1]) as number) * (PER[unit] as number);
  }
  const out = num('out');
  const suspend = num('auto-suspend');
  return {
    kind: 'calc',
    input: {
      lagSeconds: lagMs / 1000,
      mode,
      size,
      changesPerMinute,
      sourceRows: rows,
      ...(out === undefined ? {} : { outputRows: out }),
      ...(suspend === undefined ? {} : { autoSuspendSeconds: suspend }),
    },
  };
}

export function parseAdvise(a: Args): CalcCommand {
  return { kind: 'advise', names: a.rest().map((w) => w.text) };
}
