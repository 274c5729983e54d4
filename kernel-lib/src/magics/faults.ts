/**
 * `%dt simulate orders … --faults nulls=0.02,duplicates=0.01,negative=0.005,unknown=0.01`: the order
 * simulator's fault kinds (tpch/simulator.ts) by their lesson names, each a probability per new order from 0
 * to 1. Pure; an error points at the offending part of the word.
 */
import type { FaultKind } from '../tpch/simulator.js';
import { boundedNumber } from './args.js';
import { closest, magicError, type Word } from './words.js';

/** Lesson name → the simulator's fault kind. */
export const FAULT_NAMES: Record<string, FaultKind> = {
  nulls: 'nullCustomer',
  duplicates: 'duplicateKey',
  negative: 'negativePrice',
  unknown: 'unknownCustomer',
};

export const FAULT_BOUND = { min: 0, max: 1, integer: false, what: 'a probability per new order' };

export function parseFaults(cell: string, word: Word): Partial<Record<FaultKind, number>> {
  const faults: Partial<Record<FaultKind, number>> = {};
  let offset = 0;
  for (const part of word.text.split(',')) {
    const at = word.start + offset;
    offset += part.length + 1;
    const eq = part.indexOf('=');
    const name = eq < 0 ? part : part.slice(0, eq);
    const kind = FAULT_NAMES[name.toLowerCase()];
    if (!kind) {
      const guess = closest(name, Object.keys(FAULT_NAMES));
      throw magicError(
        cell,
        at,
        `unknown fault '${name}'${guess ? ` (did you mean ${guess}?)` : ''}: expected ${Object.keys(FAULT_NAMES).join(', ')} as NAME=PROBABILITY`,
        'DT_ERR_OPTION',
      );
    }
    if (eq < 0)
      throw magicError(cell, at, `fault ${name} needs a probability: ${name}=0.01`, 'DT_ERR_OPTION');
    if (faults[kind] !== undefined)
      throw magicError(cell, at, `fault ${name} is given twice`, 'DT_ERR_OPTION');
    const value = { text: part.slice(eq + 1), start: at + eq + 1 };
    faults[kind] = boundedNumber(cell, value, `fault ${name}`, FAULT_BOUND);
  }
  return faults;
}
