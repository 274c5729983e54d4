/**
 * `%dt quarantine NAME …`: the grammar of listing a DT's quarantined rows and reviewing them by id. Pure:
 * words → command, or a DtError at the word at fault (magics/quarantine.ts runs the command).
 */
import { type Args, BOUNDS, boundedNumber } from './args.js';
import type { DtCommand } from './dt-line.js';
import { magicError, type Word } from './words.js';

/** `%dt quarantine NAME [--page N] [--page-size N]` or `%dt quarantine NAME readmit|discard ID …`. */
export function parseQuarantine(cell: string, a: Args, end: number): DtCommand {
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
