/**
 * Splits a `%dt` line into words (whitespace-separated, '…' and "…" quoted), each with its offset in the
 * cell, so every usage error can point at the word at fault. Pure.
 */
import { DtError, type ErrorCode } from '../errors.js';
import { positionAt } from '../sql/position.js';

export interface Word {
  text: string;
  /** Offset of the word's first character in the cell. */
  start: number;
}

export function splitWords(cell: string, from: number, to: number): Word[] {
  const words: Word[] = [];
  let i = from;
  while (i < to) {
    const c = cell[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const close = cell.indexOf(c, i + 1);
      if (close < 0 || close >= to) throw magicError(cell, i, `unterminated ${c} quote`);
      words.push({ text: cell.slice(i + 1, close), start: i });
      i = close + 1;
      continue;
    }
    let j = i;
    while (j < to && !/\s/.test(cell[j] as string)) j++;
    words.push({ text: cell.slice(i, j), start: i });
    i = j;
  }
  return words;
}

/** A user error at `offset` of the cell (line and column are the cell's). */
export function magicError(cell: string, offset: number, message: string, code: ErrorCode = 'DT_ERR_SYNTAX') {
  return new DtError(code, message, { position: positionAt(cell, offset), sql: cell });
}

/** Levenshtein distance ≤ 2: "did you mean" for misspelt subcommands and options. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j] as number;
      row[j] = Math.min(
        (row[j] as number) + 1,
        (row[j - 1] as number) + 1,
        prev + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      prev = keep;
    }
  }
  return row[b.length] as number;
}
