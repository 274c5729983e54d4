import type { ResultColumn, Value } from '../backends/backend.js';
import type { AlertResult } from './service.js';

/** An alert statement's outcome as the engine reports it: a status line or a result set. */
export function alertResult<T>(
  r: AlertResult,
  status: (message: string) => T,
  table: (r: { columns: ResultColumn[]; rows: Value[][] }) => T,
): T {
  return r.message !== undefined
    ? status(r.message)
    : table({ columns: r.columns ?? [], rows: r.rows ?? [] });
}
