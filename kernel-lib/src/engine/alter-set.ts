/**
 * ALTER DYNAMIC TABLE … SET / UNSET of the properties that change in place and keep the data: TARGET_LAG,
 * WAREHOUSE, INITIALIZATION_WAREHOUSE, COMMENT (and SCHEDULER, through CREATE OR ALTER). A warehouse that does
 * not exist is refused at its name, changing nothing.
 */
import type { Queryable } from '../backends/backend.js';
import { updateDynamicTable } from '../catalog/catalog.js';
import { DtError } from '../errors.js';
import type { AlterAction } from '../sql/ddl.js';
import { formatLag } from '../sql/lag.js';
import { positionAt } from '../sql/position.js';
import type { Warehouse } from '../types.js';

type SetAction = Extract<AlterAction, { kind: 'set' }>;

/** Checks `action`'s warehouses against `warehouses`, then stores it; returns the statement's answer. */
export async function alterSet(
  db: Queryable,
  name: string,
  action: SetAction,
  warehouses: Warehouse[],
  sql: string,
): Promise<string> {
  const { targetLag, warehouse, comment, scheduler, initializationWarehouse, warehouseAt } = action;
  const named = [
    [warehouse, warehouseAt?.warehouse],
    [initializationWarehouse, warehouseAt?.initializationWarehouse],
  ] as const;
  for (const [wh, at] of named) {
    if (!wh || warehouses.some((w) => w.name === wh)) continue;
    throw new DtError('DT_ERR_UNKNOWN_OBJECT', `warehouse ${wh} does not exist`, {
      ...(at !== undefined ? { position: positionAt(sql, at), sql } : {}),
      hint: `create it first: CREATE WAREHOUSE ${wh} WAREHOUSE_SIZE = XSMALL`,
    });
  }
  await updateDynamicTable(db, name, {
    ...(targetLag ? { target_lag_s: targetLag.kind === 'duration' ? targetLag.seconds : null } : {}),
    ...(warehouse ? { warehouse } : {}),
    ...(comment !== undefined ? { comment } : {}),
    ...(scheduler ? { scheduler } : {}),
    ...(initializationWarehouse !== undefined ? { initialization_warehouse: initializationWarehouse } : {}),
  });
  const what = [
    targetLag ? `TARGET_LAG = ${formatLag(targetLag)}` : '',
    warehouse ? `WAREHOUSE = ${warehouse}` : '',
    comment === null ? 'COMMENT unset' : comment !== undefined ? 'COMMENT' : '',
    scheduler ? `SCHEDULER = ${scheduler}` : '',
    initializationWarehouse === null
      ? 'INITIALIZATION_WAREHOUSE unset (initializations run on WAREHOUSE)'
      : initializationWarehouse
        ? `INITIALIZATION_WAREHOUSE = ${initializationWarehouse}`
        : '',
  ].filter(Boolean);
  return `Dynamic table ${name} altered: ${what.join(', ')}.`;
}
