/**
 * Errors the engine raises. A few classes, each with a stable `DT_ERR_…` code that users, docs and tests can
 * rely on. `user` errors are the learner's to fix (bad SQL, unknown names); `internal` ones are ours.
 * Every code is documented in docs/errors.md (a test keeps the two in step).
 */

export const ERROR_CODES = {
  DT_ERR_SYNTAX: 'The statement is not valid SQL or not valid dynamic-table DDL.',
  DT_ERR_OPTION: 'A dynamic-table or warehouse option is missing, repeated or has an invalid value.',
  DT_ERR_UNKNOWN_OBJECT: 'A table, view, dynamic table or warehouse named by the statement does not exist.',
  DT_ERR_EXISTS: 'An object of that name already exists (use OR REPLACE or IF NOT EXISTS).',
  DT_ERR_CYCLE: 'The definition would make a dynamic table depend on itself, directly or through others.',
  DT_ERR_HAS_DEPENDENTS:
    'The dynamic table cannot be dropped or replaced while other dynamic tables read it.',
  DT_ERR_COLUMNS: "The column list does not match the query's result.",
  DT_ERR_INCREMENTAL_UNSUPPORTED:
    'REFRESH_MODE = INCREMENTAL was asked for a query that cannot be maintained incrementally.',
  DT_ERR_READ_ONLY:
    'A dynamic table was the target of INSERT / UPDATE / DELETE / TRUNCATE / ALTER TABLE / DROP TABLE; its contents come from its query.',
  DT_ERR_QUERY: 'The backend rejected the query (while validating or refreshing it).',
  DT_ERR_METRIC:
    'A data metric function does not fit: an unknown function, the wrong arguments, a column of a type it does not take, or a function still in use.',
  DT_ERR_BUSY:
    'The dynamic table is being refreshed or changed by another session at the same moment; try again.',
  DT_ERR_REFRESH_FAILED: 'A refresh failed; the previous contents are kept.',
  DT_ERR_EXPECTATION:
    "An expectation (CONSTRAINT … EXPECT) is not a boolean condition over the dynamic table's columns, or a review of quarantined rows is not possible.",
  DT_ERR_BACKEND: 'The database backend could not be opened or used.',
  DT_ERR_USAGE: 'A command-line or API call was used incorrectly.',
  DT_ERR_UNSUPPORTED:
    'A Snowflake clause or statement DT Lab does not have; the message names it and says what to do instead.',
  DT_ERR_CHECK:
    "An exercise's check (%dt check) found the answer not yet right; the message says what and gives a hint.",
  DT_ERR_INTERRUPTED:
    'A magic cell was interrupted (the stop button, Kernel → Interrupt), or a statement while it ran; the message says how far it got.',
  DT_ERR_INTERNAL: 'A bug in DT Lab; please report it with the statement that caused it.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** A place in the SQL text the user wrote: 1-based line and column, 0-based offset. */
export interface SourcePosition {
  offset: number;
  line: number;
  column: number;
}

export class DtError extends Error {
  override readonly name = 'DtError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: {
      /** Where in `sql` the problem is. */
      position?: SourcePosition;
      /** The statement text the position refers to. */
      sql?: string;
      hint?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
  }

  get isUserError(): boolean {
    return this.code !== 'DT_ERR_INTERNAL' && this.code !== 'DT_ERR_BACKEND';
  }
}

/** A long magic cell's interruption (code DT_ERR_INTERRUPTED; a cell shows it as a KeyboardInterrupt). */
export class InterruptedError extends DtError {
  constructor(
    message: string,
    /** It was queued behind an interrupted cell and never began (the page shows it as not run). */
    readonly notStarted = false,
  ) {
    super('DT_ERR_INTERRUPTED', message);
  }
}

/** Throws an InterruptedError saying `message()` if `signal` was aborted: called between units of work. */
export function throwIfInterrupted(signal: AbortSignal | undefined, message: () => string): void {
  if (signal?.aborted) throw new InterruptedError(message());
}

/**
 * Lets the event loop run: what aborts a signal (a SIGINT handler, a click) and progress timers are macrotasks,
 * and a loop of queries that resolve as microtasks (PGlite runs in the same thread) never lets them in.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') return void setImmediate(resolve);
    // In a page: a message, which browsers do not clamp to 4 ms as they do nested setTimeout(0).
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}

export function isDtError(e: unknown): e is DtError {
  return e instanceof DtError;
}

/** The message of anything thrown, for history rows and wrapped errors. */
export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
