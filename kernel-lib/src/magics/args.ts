/**
 * The words after a `%dt` subcommand: `Args` (positional words and `--name value` options), the numeric
 * ranges of the %dt magics (BOUNDS, docs/magics.md) and durations such as `+6h`. Pure: every error is a
 * DtError at the word at fault. The subcommands' grammars (dt-line.ts, alert-line.ts, calc-line.ts, …)
 * use them.
 */
import { closest, magicError, type Word } from './words.js';

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
