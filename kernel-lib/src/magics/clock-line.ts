/**
 * `%dt clock [show] | +DURATION | run xN | pause`: the clock's grammar. Pure: words → command, or a DtError
 * at the word at fault.
 */
import { type Args, BOUNDS, boundedNumber, parseDuration } from './args.js';
import type { DtCommand } from './dt-line.js';
import { magicError } from './words.js';

/** The longest `%dt clock +DURATION` step: 366 days. */
export const MAX_CLOCK_STEP_MS = 366 * 86_400_000;

export function parseClock(cell: string, a: Args, end: number): DtCommand {
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
