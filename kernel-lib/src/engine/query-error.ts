import { BackendError } from '../backends/backend.js';
import { DtError, messageOf } from '../errors.js';
import { positionAt } from '../sql/position.js';
import type { Translation } from '../sql/translate.js';

/**
 * A backend error about translated SQL → a DtError pointing into the user's statement. `prefix` is where the
 * translated text starts in the SQL that was sent (-1 if unknown); `queryOffset` where the source text starts
 * in the statement.
 */
export function queryError(
  e: unknown,
  translation: Translation,
  prefix: number,
  sql: string,
  queryOffset: number,
): DtError {
  if (e instanceof DtError) return e;
  const message = messageOf(e);
  if (!(e instanceof BackendError) || e.offset === undefined || prefix < 0) {
    return new DtError('DT_ERR_QUERY', message, { cause: e });
  }
  const inTranslation = e.offset - prefix;
  if (inTranslation < 0 || inTranslation > translation.text.length)
    return new DtError('DT_ERR_QUERY', message, { cause: e });
  const position = positionAt(sql, queryOffset + translation.toSource(inTranslation));
  return new DtError('DT_ERR_QUERY', message, { position, sql, cause: e });
}

/** Runs `f` on a query that starts at `queryOffset` of `sql`: a positioned DtError it throws points into `sql`. */
export function inStatement<T>(f: () => T, sql: string, queryOffset: number): T {
  try {
    return f();
  } catch (e) {
    const at = e instanceof DtError ? e.details.position : undefined;
    if (!(e instanceof DtError) || !at) throw e;
    throw new DtError(e.code, e.message, {
      ...e.details,
      position: positionAt(sql, queryOffset + at.offset),
      sql,
    });
  }
}
