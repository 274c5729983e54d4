/**
 * The catalog lives in the database itself, in schema `dtlab`, so dynamic tables survive a restart on a
 * persistent backend. The same DDL works on both families. Uniqueness is enforced by the engine inside its
 * transactions rather than by PRIMARY KEY, because DuckDB rejects delete-then-insert of one key within a
 * transaction.
 */
export const CATALOG_VERSION = '3';

export const CATALOG_DDL = [
  'CREATE SCHEMA IF NOT EXISTS dtlab',
  'CREATE TABLE IF NOT EXISTS dtlab.meta (key VARCHAR NOT NULL, value VARCHAR)',
  `CREATE TABLE IF NOT EXISTS dtlab.warehouses (
     name VARCHAR NOT NULL, size VARCHAR NOT NULL, max_concurrency INTEGER NOT NULL,
     auto_suspend_s INTEGER NOT NULL, comment VARCHAR, created_on TIMESTAMP NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS dtlab.dynamic_tables (
     name VARCHAR NOT NULL, query VARCHAR NOT NULL, columns VARCHAR, target_lag_s BIGINT,
     warehouse VARCHAR NOT NULL, refresh_mode VARCHAR NOT NULL, effective_mode VARCHAR NOT NULL,
     refresh_mode_reason VARCHAR NOT NULL, initialize VARCHAR NOT NULL, scheduler VARCHAR NOT NULL,
     comment VARCHAR, scheduling_state VARCHAR NOT NULL, created_on TIMESTAMP NOT NULL,
     data_timestamp TIMESTAMP)`,
  `CREATE TABLE IF NOT EXISTS dtlab.dependencies (
     dt_name VARCHAR NOT NULL, source_name VARCHAR NOT NULL, source_kind VARCHAR NOT NULL)`,
  'CREATE SEQUENCE IF NOT EXISTS dtlab.refresh_id_seq',
  `CREATE TABLE IF NOT EXISTS dtlab.refresh_history (
     refresh_id BIGINT NOT NULL, name VARCHAR NOT NULL, state VARCHAR NOT NULL, state_message VARCHAR,
     refresh_action VARCHAR, refresh_trigger VARCHAR NOT NULL, data_timestamp TIMESTAMP,
     refresh_start_time TIMESTAMP NOT NULL, refresh_end_time TIMESTAMP, completion_target TIMESTAMP,
     rows_inserted BIGINT NOT NULL, rows_deleted BIGINT NOT NULL, changes_read VARCHAR NOT NULL,
     planning_ms DOUBLE PRECISION NOT NULL, execution_ms DOUBLE PRECISION NOT NULL,
     queued_ms DOUBLE PRECISION NOT NULL, reason VARCHAR, warehouse VARCHAR NOT NULL,
     credits_used DOUBLE PRECISION NOT NULL)`,
  // Version 2 (the scheduler). ADD COLUMN IF NOT EXISTS upgrades a catalog made by version 1.
  'ALTER TABLE dtlab.dynamic_tables ADD COLUMN IF NOT EXISTS suspend_reason VARCHAR',
  // Source rows each refresh read (schedule/cost.ts), the measure of its work beside the rows it wrote.
  'ALTER TABLE dtlab.refresh_history ADD COLUMN IF NOT EXISTS rows_read BIGINT DEFAULT 0',
  // Version 3 (expectations, docs/quality.md): a DT's expectations as JSON, and why its next refresh must
  // recompute (ADD / DROP CONSTRAINT); review actions on quarantined rows. Per refresh and expectation, rows
  // passed and failed are in the history row (catalog/refresh-quality.ts, installed after these).
  // Quarantine tables are dtlab.quarantine_<dt>, made with the DT.
  'ALTER TABLE dtlab.dynamic_tables ADD COLUMN IF NOT EXISTS expectations VARCHAR',
  'ALTER TABLE dtlab.dynamic_tables ADD COLUMN IF NOT EXISTS pending_recompute VARCHAR',
  // IMMUTABLE WHERE's predicate and BACKFILL FROM's table (plan/immutable.ts).
  'ALTER TABLE dtlab.dynamic_tables ADD COLUMN IF NOT EXISTS immutable_where VARCHAR',
  'ALTER TABLE dtlab.dynamic_tables ADD COLUMN IF NOT EXISTS backfill_from VARCHAR',
  // A view source's definition when the DT was created (plan/normalize.ts inlines it; a view redefined since
  // makes the DT refresh in full, saying so).
  'ALTER TABLE dtlab.dependencies ADD COLUMN IF NOT EXISTS definition VARCHAR',
  // INITIALIZATION_WAREHOUSE (NULL: the initial refresh runs on the DT's warehouse).
  'ALTER TABLE dtlab.dynamic_tables ADD COLUMN IF NOT EXISTS initialization_warehouse VARCHAR',
  // The last dropped version of each DT name (engine/undrop.ts): its definition as JSON and its rows, kept in
  // dtlab.<storage>.
  `CREATE TABLE IF NOT EXISTS dtlab.dropped_dynamic_tables (
     name VARCHAR NOT NULL, dropped_on TIMESTAMP NOT NULL, storage VARCHAR NOT NULL, definition VARCHAR NOT NULL)`,
  'CREATE SEQUENCE IF NOT EXISTS dtlab.quarantine_id_seq',
  `CREATE TABLE IF NOT EXISTS dtlab.quarantine_reviews (
     review_time TIMESTAMP NOT NULL, name VARCHAR NOT NULL, quarantine_id BIGINT NOT NULL,
     review_action VARCHAR NOT NULL, expectations VARCHAR, detail VARCHAR)`,
  // Lag over time, so a chart can be drawn after a restart. kind: CYCLE (sampled when the scheduler looks),
  // PEAK (just before a refresh completes: the largest lag of that period), REFRESHED (just after).
  `CREATE TABLE IF NOT EXISTS dtlab.lag_samples (
     sample_time TIMESTAMP NOT NULL, name VARCHAR NOT NULL, kind VARCHAR NOT NULL,
     data_timestamp TIMESTAMP, lag_s DOUBLE PRECISION, target_lag_s BIGINT)`,
  // One row per warehouse run, from resume to auto-suspend (Snowflake's view has one row per hour).
  `CREATE TABLE IF NOT EXISTS dtlab.warehouse_metering_history (
     warehouse_name VARCHAR NOT NULL, start_time TIMESTAMP NOT NULL, end_time TIMESTAMP NOT NULL,
     busy_s DOUBLE PRECISION NOT NULL, billed_s DOUBLE PRECISION NOT NULL, refreshes BIGINT NOT NULL,
     credits_used DOUBLE PRECISION NOT NULL)`,
  // Every DDL change to a DT: who, when, the definition before and after (engine/audit.ts).
  `CREATE TABLE IF NOT EXISTS dtlab.dynamic_table_ddl_history (
     changed_at TIMESTAMP NOT NULL, name VARCHAR NOT NULL, action VARCHAR NOT NULL, changed_by VARCHAR,
     statement VARCHAR NOT NULL, old_definition VARCHAR, new_definition VARCHAR, comment VARCHAR)`,
  // Snowflake's monitoring, by its column names (INFORMATION_SCHEMA table functions there, views here).
  `CREATE OR REPLACE VIEW dtlab.dynamic_table_refresh_history AS
   SELECT h.name AS name, current_schema() AS schema_name, current_database() AS database_name,
          h.name AS qualified_name, h.state AS state, h.state_message AS state_message,
          h.data_timestamp AS data_timestamp, h.refresh_start_time AS refresh_start_time,
          h.refresh_end_time AS refresh_end_time, h.completion_target AS completion_target,
          '{"numInsertedRows": ' || CAST(h.rows_inserted AS VARCHAR) || ', "numDeletedRows": '
            || CAST(h.rows_deleted AS VARCHAR) || '}' AS statistics,
          h.refresh_action AS refresh_action, h.refresh_trigger AS refresh_trigger,
          d.target_lag_s AS target_lag_sec, d.created_on AS graph_history_valid_from,
          h.refresh_id AS refresh_id, h.reason AS refresh_action_reason, h.warehouse AS warehouse,
          h.credits_used AS credits_used, h.queued_ms AS queued_ms, h.planning_ms AS planning_ms,
          h.execution_ms AS execution_ms, h.changes_read AS changes_read,
          h.rows_read AS rows_read
     FROM dtlab.refresh_history h LEFT JOIN dtlab.dynamic_tables d ON d.name = h.name`,
  `CREATE OR REPLACE VIEW dtlab.dynamic_table_graph_history AS
   SELECT t.name AS name, current_schema() AS schema_name, current_database() AS database_name,
          t.name AS qualified_name,
          COALESCE((SELECT '[' || string_agg('{"name": "' || p.source_name || '", "kind": "' || p.source_kind
                                             || '"}', ', ' ORDER BY p.source_name) || ']'
                      FROM dtlab.dependencies p WHERE p.dt_name = t.name), '[]') AS inputs,
          CASE WHEN t.target_lag_s IS NULL THEN 'DOWNSTREAM' ELSE 'USER_DEFINED' END AS target_lag_type,
          t.target_lag_s AS target_lag_sec, t.query AS query_text, t.created_on AS valid_from,
          CAST(NULL AS TIMESTAMP) AS valid_to,
          '{"state": "' || t.scheduling_state || '"'
            || COALESCE(', "reason_code": "' || t.suspend_reason || '"', '') || '}' AS scheduling_state,
          t.effective_mode AS refresh_mode, t.warehouse AS warehouse, t.data_timestamp AS data_timestamp
     FROM dtlab.dynamic_tables t`,
];
