/** kernel-lib's public API. */
export * from './backends/backend.js';
export { DB_SPEC_HELP, openBackend } from './backends/open.js';
export type { Clock } from './clock.js';
export { AcceleratedClock, ManualClock, systemClock } from './clock.js';
export {
  type DeliveryEvent,
  type Notification as NotificationRequest,
  notify,
  type RetryPolicy,
} from './delivery/index.js';
export { Engine, type EngineEvent, type EngineOptions, type StatementResult } from './engine/engine.js';
export { DtError, ERROR_CODES, type ErrorCode, isDtError, type SourcePosition } from './errors.js';
export * as magics from './magics/index.js';
export type { SchedulerEvent } from './schedule/events.js';
export { type CyclePlan, type PlanInput, periodForLag, planCycle } from './schedule/plan.js';
export { Scheduler, type SchedulerOptions } from './schedule/scheduler.js';
export { creditsForRun, type WarehouseRun } from './schedule/warehouse.js';
export { parseStatement, type Statement } from './sql/ddl.js';
export { splitStatements } from './sql/split.js';
export { TRANSLATED_FUNCTIONS, translateSql, translateType } from './sql/translate.js';
export * as tpchgen from './tpch/gen/index.js';
export {
  type LoadOptions,
  type LoadProgress,
  loadTpch,
  loadTpch$,
  shiftDaysToToday,
  TPCH_END,
  tpchInfo,
} from './tpch/load.js';
export { loadTpchFiles } from './tpch/load-files.js';
export { applyRf1, applyRf2 } from './tpch/refresh-functions.js';
export { TPCH_DDL, TPCH_TABLES } from './tpch/schema.js';
export { OrderSimulator, type SimulatorCounts, type SimulatorOptions } from './tpch/simulator.js';
export * from './types.js';
