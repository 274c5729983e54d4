/**
 * The catalog lives in the database itself, in schema `dtlab`, so dynamic tables survive a restart on a
 * persistent backend. The same DDL works on both families. Uniqueness is enforced by the engine inside its
 * transactions rather than by PRIMARY KEY, because DuckDB rejects delete-then-insert of one key within a
 * transaction.
 */
export const CATALOG_VERSION = '1';

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
];
