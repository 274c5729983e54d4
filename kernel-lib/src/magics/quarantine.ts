/** `%dt quarantine`: a DT's quarantined rows with their reasons, paged; re-admit or discard them by id. */
import { type OutputBundle, tableBundle, textBundle } from '../display/bundle.js';
import type { Engine } from '../engine/engine.js';
import { positionAt } from '../sql/position.js';
import type { DtCommand } from './dt-line.js';

type QuarantineCommand = Extract<DtCommand, { kind: 'quarantine' | 'quarantine_review' }>;

export async function quarantineCommand(
  engine: Engine,
  command: QuarantineCommand,
  cell: string,
): Promise<OutputBundle[]> {
  if (command.kind === 'quarantine_review') {
    const message = await engine.reviewQuarantine(command.name, command.action, command.ids, (i) => ({
      position: positionAt(cell, command.at[i] ?? 0),
      sql: cell,
    }));
    return [textBundle(message)];
  }
  const offset = (command.page - 1) * command.pageSize;
  const page = await engine.quarantine(command.name, command.pageSize, offset);
  const pages = Math.max(1, Math.ceil(page.total / command.pageSize));
  const table = `dtlab.quarantine_${command.name}`;
  if (page.total === 0) return [textBundle(`${command.name} has no quarantined rows (${table}).`)];
  if (page.rows.length === 0)
    return [
      textBundle(
        `${page.total} quarantined row(s) in ${command.name} (${table}) on ${pages} page(s) of ${command.pageSize}: page ${command.page} is past the last.`,
      ),
    ];
  const first = offset + 1;
  return [
    textBundle(
      `${page.total} quarantined row(s) in ${command.name} (${table}); rows ${first}–${offset + page.rows.length}, page ${command.page} of ${pages}. Re-admit: %dt quarantine ${command.name} readmit ID …; discard: %dt quarantine ${command.name} discard ID …`,
    ),
    tableBundle({ columns: page.columns, rows: page.rows }),
  ];
}
