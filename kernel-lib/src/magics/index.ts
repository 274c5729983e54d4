/** The notebook surface's runtime-independent part: the magic grammar, the session, the output bundles. */
export * from '../display/bundle.js';
export * from '../display/error.js';
export * from '../display/graph.js';
export * from '../display/history.js';
export * from '../display/live.js';
export * from '../display/svg.js';
export { InterruptedError } from '../errors.js';
export type { SchedulerEvent } from '../schedule/events.js';
export type { DynamicTable, RefreshRecord } from '../types.js';
export { DT_SUBCOMMANDS, DT_USAGE, type DtCommand, parseDuration } from './dt-line.js';
export { describeProgress, type MagicProgress, progressLine, type RunControl } from './interrupt.js';
export {
  type DynamicTableCommand,
  isMagicCell,
  type MagicCommand,
  parseCell,
  type SqlCommand,
} from './parse.js';
export { type Connection, MagicSession, type MagicSessionOptions } from './session.js';
