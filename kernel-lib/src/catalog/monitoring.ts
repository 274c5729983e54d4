/**
 * The engine's monitoring table functions (sql/table-functions.ts rewrites Snowflake's
 * `TABLE(INFORMATION_SCHEMA.…(…))` calls into them): a PostgreSQL SQL function and a DuckDB table macro each,
 * with Snowflake's named arguments and defaults, over the catalog's views (catalog/schema.ts).
 *
 * DYNAMIC_TABLE_REFRESH_HISTORY: refreshes whose data timestamp lies in [DATA_TIMESTAMP_START,
 * DATA_TIMESTAMP_END] (end: now; start: a day before the end), of the DT NAME (case-insensitive, qualified or
 * not) or of names starting with NAME_PREFIX, only failed ones with ERROR_ONLY, newest first, at most
 * RESULT_LIMIT (default 100). DYNAMIC_TABLE_GRAPH_HISTORY: the graph's DTs valid at AS_OF, or during
 * [HISTORY_START, HISTORY_END]; without arguments, the graph now. "Now" is the engine clock's (dtlab_now,
 * added by the rewrite), else the database's.
 */

const FAILED = "('FAILED', 'UPSTREAM_FAILED', 'CANCELLED')";

export const PG_MONITORING_DDL: readonly string[] = [
  `CREATE OR REPLACE FUNCTION dtlab.dynamic_table_refresh_history(
     data_timestamp_start timestamptz DEFAULT NULL, data_timestamp_end timestamptz DEFAULT NULL,
     result_limit integer DEFAULT 100, name text DEFAULT NULL, name_prefix text DEFAULT NULL,
     error_only boolean DEFAULT false, dtlab_now timestamptz DEFAULT NULL)
   RETURNS SETOF dtlab.dynamic_table_refresh_history LANGUAGE sql STABLE AS $f$
     SELECT h.* FROM dtlab.dynamic_table_refresh_history h,
            (SELECT COALESCE($2, $7, now()) AS e) w
      WHERE h.data_timestamp <= w.e AND h.data_timestamp >= COALESCE($1, w.e - interval '1 day')
        AND ($4 IS NULL OR lower(h.name) = lower(regexp_replace($4, '^.*\\.', '')))
        AND ($5 IS NULL OR lower(h.name) LIKE lower($5) || '%'
             OR lower(h.database_name || '.' || h.schema_name || '.' || h.name) LIKE lower($5) || '%')
        AND (NOT $6 OR h.state IN ${FAILED})
      ORDER BY h.data_timestamp DESC, h.refresh_id DESC
      LIMIT $3 $f$`,
  `CREATE OR REPLACE FUNCTION dtlab.dynamic_table_graph_history(
     as_of timestamptz DEFAULT NULL, history_start timestamptz DEFAULT NULL,
     history_end timestamptz DEFAULT NULL, dtlab_now timestamptz DEFAULT NULL)
   RETURNS SETOF dtlab.dynamic_table_graph_history LANGUAGE sql STABLE AS $f$
     SELECT g.* FROM dtlab.dynamic_table_graph_history g
      WHERE CASE WHEN $2 IS NOT NULL OR $3 IS NOT NULL
                 THEN g.valid_from <= COALESCE($3, $4, now()) AND (g.valid_to IS NULL OR g.valid_to >= $2)
                 ELSE g.valid_from <= COALESCE($1, $4, now()) AND (g.valid_to IS NULL OR g.valid_to > COALESCE($1, $4, now()))
            END
      ORDER BY g.name $f$`,
];

export const DUCKDB_MONITORING_DDL: readonly string[] = [
  `CREATE OR REPLACE MACRO dtlab.dynamic_table_refresh_history(data_timestamp_start := NULL,
     data_timestamp_end := NULL, result_limit := 100, name := NULL, name_prefix := NULL, error_only := false,
     dtlab_now := NULL) AS TABLE
   SELECT h.* FROM dtlab.dynamic_table_refresh_history h,
          (SELECT COALESCE(CAST(data_timestamp_end AS TIMESTAMP), CAST(dtlab_now AS TIMESTAMP),
                           CAST(now() AS TIMESTAMP)) AS e) w
    WHERE h.data_timestamp <= w.e
      AND h.data_timestamp >= COALESCE(CAST(data_timestamp_start AS TIMESTAMP), w.e - INTERVAL 1 DAY)
      AND (name IS NULL OR lower(h.name) = lower(regexp_replace(name, '^.*\\.', '')))
      AND (name_prefix IS NULL OR lower(h.name) LIKE lower(name_prefix) || '%'
           OR lower(h.database_name || '.' || h.schema_name || '.' || h.name) LIKE lower(name_prefix) || '%')
      AND (NOT error_only OR h.state IN ${FAILED})
    ORDER BY h.data_timestamp DESC, h.refresh_id DESC
    LIMIT result_limit`,
  `CREATE OR REPLACE MACRO dtlab.dynamic_table_graph_history(as_of := NULL, history_start := NULL,
     history_end := NULL, dtlab_now := NULL) AS TABLE
   SELECT g.* FROM dtlab.dynamic_table_graph_history g,
          (SELECT COALESCE(CAST(as_of AS TIMESTAMP), CAST(dtlab_now AS TIMESTAMP), CAST(now() AS TIMESTAMP)) AS at,
                  CAST(history_start AS TIMESTAMP) AS hs,
                  COALESCE(CAST(history_end AS TIMESTAMP), CAST(dtlab_now AS TIMESTAMP), CAST(now() AS TIMESTAMP)) AS he) w
    WHERE CASE WHEN history_start IS NOT NULL OR history_end IS NOT NULL
               THEN g.valid_from <= w.he AND (g.valid_to IS NULL OR g.valid_to >= w.hs)
               ELSE g.valid_from <= w.at AND (g.valid_to IS NULL OR g.valid_to > w.at)
          END
    ORDER BY g.name`,
];
