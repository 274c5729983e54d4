-- Data quality on every TPC-H table (docs/quality.md): data metric functions with expectations on all eight
-- tables, the three custom DMFs the seeds describe (range, format by regular expression, referential
-- integrity), and tpch_quality_dashboard, the seeds' data_quality_dashboard extended to every table.
-- Run it after `%dt load tpch` (`--keys none` to let the simulator inject duplicate keys), then
-- `%dt quality` after moving the clock, e.g. with `%dt simulate orders --rate 2 --faults nulls=0.02,...`.

CREATE OR REPLACE DATA METRIC FUNCTION price_out_of_range(arg_t TABLE(arg_c NUMBER))
  RETURNS NUMBER COMMENT = 'values outside [0, 500000]'
  AS 'SELECT COUNT(*) FROM arg_t WHERE arg_c < 0 OR arg_c > 500000';

CREATE OR REPLACE DATA METRIC FUNCTION bad_priority_format(arg_t TABLE(arg_c VARCHAR))
  RETURNS NUMBER COMMENT = 'order priorities not shaped like 1-URGENT'
  AS 'SELECT COUNT(*) FROM arg_t WHERE NOT REGEXP_LIKE(arg_c, ''[1-5]-[A-Z ]+'')';

CREATE OR REPLACE DATA METRIC FUNCTION orphans(arg_t TABLE(arg_c NUMBER), arg_t2 TABLE(arg_c2 NUMBER))
  RETURNS NUMBER COMMENT = 'non-NULL keys with no row in the referenced table'
  AS 'SELECT COUNT(*) FROM arg_t WHERE arg_c IS NOT NULL AND arg_c NOT IN (SELECT arg_c2 FROM arg_t2)';

ALTER TABLE region SET DATA_METRIC_SCHEDULE = '60 MINUTE';
ALTER TABLE region ADD
  DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON () EXPECTATION not_empty (VALUE > 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.DUPLICATE_COUNT ON (r_regionkey) EXPECTATION unique_key (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (r_regionkey) EXPECTATION key_present (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.BLANK_COUNT ON (r_name) EXPECTATION no_blank (VALUE = 0);

ALTER TABLE nation SET DATA_METRIC_SCHEDULE = '60 MINUTE';
ALTER TABLE nation ADD
  DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON () EXPECTATION not_empty (VALUE > 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.DUPLICATE_COUNT ON (n_nationkey) EXPECTATION unique_key (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (n_nationkey) EXPECTATION key_present (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.BLANK_COUNT ON (n_name) EXPECTATION no_blank (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (n_regionkey) EXPECTATION reference_present (VALUE = 0),
  DATA METRIC FUNCTION orphans ON (n_regionkey, TABLE(region(r_regionkey))) EXPECTATION no_orphans (VALUE = 0);

ALTER TABLE supplier SET DATA_METRIC_SCHEDULE = '60 MINUTE';
ALTER TABLE supplier ADD
  DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON () EXPECTATION not_empty (VALUE > 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.DUPLICATE_COUNT ON (s_suppkey) EXPECTATION unique_key (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (s_suppkey) EXPECTATION key_present (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.BLANK_COUNT ON (s_name) EXPECTATION no_blank (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (s_nationkey) EXPECTATION reference_present (VALUE = 0),
  DATA METRIC FUNCTION orphans ON (s_nationkey, TABLE(nation(n_nationkey))) EXPECTATION no_orphans (VALUE = 0);

ALTER TABLE customer SET DATA_METRIC_SCHEDULE = '60 MINUTE';
ALTER TABLE customer ADD
  DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON () EXPECTATION not_empty (VALUE > 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.DUPLICATE_COUNT ON (c_custkey) EXPECTATION unique_key (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (c_custkey) EXPECTATION key_present (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.BLANK_COUNT ON (c_name) EXPECTATION no_blank (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (c_nationkey) EXPECTATION reference_present (VALUE = 0),
  DATA METRIC FUNCTION orphans ON (c_nationkey, TABLE(nation(n_nationkey))) EXPECTATION no_orphans (VALUE = 0);

ALTER TABLE part SET DATA_METRIC_SCHEDULE = '60 MINUTE';
ALTER TABLE part ADD
  DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON () EXPECTATION not_empty (VALUE > 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.DUPLICATE_COUNT ON (p_partkey) EXPECTATION unique_key (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (p_partkey) EXPECTATION key_present (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.BLANK_COUNT ON (p_name) EXPECTATION no_blank (VALUE = 0);

ALTER TABLE partsupp SET DATA_METRIC_SCHEDULE = '60 MINUTE';
ALTER TABLE partsupp ADD
  DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON () EXPECTATION not_empty (VALUE > 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.DUPLICATE_COUNT ON (ps_partkey, ps_suppkey) EXPECTATION unique_key (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (ps_partkey) EXPECTATION key_present (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.BLANK_COUNT ON (ps_comment) EXPECTATION no_blank (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (ps_suppkey) EXPECTATION reference_present (VALUE = 0),
  DATA METRIC FUNCTION orphans ON (ps_suppkey, TABLE(supplier(s_suppkey))) EXPECTATION no_orphans (VALUE = 0);

ALTER TABLE orders SET DATA_METRIC_SCHEDULE = '5 MINUTE';
ALTER TABLE orders ADD
  DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON () EXPECTATION not_empty (VALUE > 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.DUPLICATE_COUNT ON (o_orderkey) EXPECTATION unique_key (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (o_orderkey) EXPECTATION key_present (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.BLANK_COUNT ON (o_orderpriority) EXPECTATION no_blank (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (o_custkey) EXPECTATION reference_present (VALUE = 0),
  DATA METRIC FUNCTION orphans ON (o_custkey, TABLE(customer(c_custkey))) EXPECTATION no_orphans (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.MIN ON (o_totalprice) EXPECTATION non_negative (VALUE >= 0),
  DATA METRIC FUNCTION price_out_of_range ON (o_totalprice) EXPECTATION in_range (VALUE = 0),
  DATA METRIC FUNCTION bad_priority_format ON (o_orderpriority) EXPECTATION well_formed (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.ACCEPTED_VALUES ON (o_orderstatus, o_orderstatus -> o_orderstatus IN ('O', 'F', 'P')) EXPECTATION known_status (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.FRESHNESS ON (o_orderdate);

ALTER TABLE lineitem SET DATA_METRIC_SCHEDULE = '5 MINUTE';
ALTER TABLE lineitem ADD
  DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON () EXPECTATION not_empty (VALUE > 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.DUPLICATE_COUNT ON (l_orderkey, l_linenumber) EXPECTATION unique_key (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (l_orderkey) EXPECTATION key_present (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.BLANK_COUNT ON (l_shipmode) EXPECTATION no_blank (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (l_partkey) EXPECTATION reference_present (VALUE = 0),
  DATA METRIC FUNCTION orphans ON (l_partkey, TABLE(part(p_partkey))) EXPECTATION no_orphans (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.MIN ON (l_quantity) EXPECTATION positive_quantity (VALUE > 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.MAX ON (l_discount) EXPECTATION discount_at_most_10pct (VALUE <= 0.1),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.ACCEPTED_VALUES ON (l_returnflag, l_returnflag -> l_returnflag IN ('R', 'A', 'N')) EXPECTATION known_flag (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.AVG ON (l_extendedprice),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.STDDEV ON (l_extendedprice);

CREATE OR REPLACE DYNAMIC TABLE tpch_quality_dashboard (
  table_name VARCHAR(100),
  check_timestamp TIMESTAMP,
  total_records INTEGER,
  null_count INTEGER,
  duplicate_count INTEGER,
  quality_score DECIMAL(5,2),
  status VARCHAR(20)
)
TARGET_LAG = '5 minutes'
AS
SELECT
  'REGION' AS table_name,
  CURRENT_TIMESTAMP() AS check_timestamp,
  COUNT(*) AS total_records,
  COUNT(*) - COUNT(r_regionkey) AS null_count,
  COUNT(*) - COUNT(DISTINCT r_regionkey) AS duplicate_count,
  CASE
    WHEN COUNT(*) - COUNT(r_regionkey) = 0 AND COUNT(*) - COUNT(DISTINCT r_regionkey) = 0 THEN 100.0
    ELSE (COUNT(DISTINCT r_regionkey) - (COUNT(*) - COUNT(r_regionkey))) * 100.0 / COUNT(*)
  END AS quality_score,
  CASE
    WHEN COUNT(*) - COUNT(r_regionkey) > 0 THEN 'WARNING'
    WHEN COUNT(*) - COUNT(DISTINCT r_regionkey) > 0 THEN 'ERROR'
    ELSE 'HEALTHY'
  END AS status
FROM region
UNION ALL
SELECT
  'NATION' AS table_name,
  CURRENT_TIMESTAMP() AS check_timestamp,
  COUNT(*) AS total_records,
  COUNT(*) - COUNT(n_regionkey) AS null_count,
  COUNT(*) - COUNT(DISTINCT n_nationkey) AS duplicate_count,
  CASE
    WHEN COUNT(*) - COUNT(n_regionkey) = 0 AND COUNT(*) - COUNT(DISTINCT n_nationkey) = 0 THEN 100.0
    ELSE (COUNT(DISTINCT n_nationkey) - (COUNT(*) - COUNT(n_regionkey))) * 100.0 / COUNT(*)
  END AS quality_score,
  CASE
    WHEN COUNT(*) - COUNT(n_regionkey) > 0 THEN 'WARNING'
    WHEN COUNT(*) - COUNT(DISTINCT n_nationkey) > 0 THEN 'ERROR'
    ELSE 'HEALTHY'
  END AS status
FROM nation
UNION ALL
SELECT
  'SUPPLIER' AS table_name,
  CURRENT_TIMESTAMP() AS check_timestamp,
  COUNT(*) AS total_records,
  COUNT(*) - COUNT(s_nationkey) AS null_count,
  COUNT(*) - COUNT(DISTINCT s_suppkey) AS duplicate_count,
  CASE
    WHEN COUNT(*) - COUNT(s_nationkey) = 0 AND COUNT(*) - COUNT(DISTINCT s_suppkey) = 0 THEN 100.0
    ELSE (COUNT(DISTINCT s_suppkey) - (COUNT(*) - COUNT(s_nationkey))) * 100.0 / COUNT(*)
  END AS quality_score,
  CASE
    WHEN COUNT(*) - COUNT(s_nationkey) > 0 THEN 'WARNING'
    WHEN COUNT(*) - COUNT(DISTINCT s_suppkey) > 0 THEN 'ERROR'
    ELSE 'HEALTHY'
  END AS status
FROM supplier
UNION ALL
SELECT
  'CUSTOMER' AS table_name,
  CURRENT_TIMESTAMP() AS check_timestamp,
  COUNT(*) AS total_records,
  COUNT(*) - COUNT(c_nationkey) AS null_count,
  COUNT(*) - COUNT(DISTINCT c_custkey) AS duplicate_count,
  CASE
    WHEN COUNT(*) - COUNT(c_nationkey) = 0 AND COUNT(*) - COUNT(DISTINCT c_custkey) = 0 THEN 100.0
    ELSE (COUNT(DISTINCT c_custkey) - (COUNT(*) - COUNT(c_nationkey))) * 100.0 / COUNT(*)
  END AS quality_score,
  CASE
    WHEN COUNT(*) - COUNT(c_nationkey) > 0 THEN 'WARNING'
    WHEN COUNT(*) - COUNT(DISTINCT c_custkey) > 0 THEN 'ERROR'
    ELSE 'HEALTHY'
  END AS status
FROM customer
UNION ALL
SELECT
  'PART' AS table_name,
  CURRENT_TIMESTAMP() AS check_timestamp,
  COUNT(*) AS total_records,
  COUNT(*) - COUNT(p_partkey) AS null_count,
  COUNT(*) - COUNT(DISTINCT p_partkey) AS duplicate_count,
  CASE
    WHEN COUNT(*) - COUNT(p_partkey) = 0 AND COUNT(*) - COUNT(DISTINCT p_partkey) = 0 THEN 100.0
    ELSE (COUNT(DISTINCT p_partkey) - (COUNT(*) - COUNT(p_partkey))) * 100.0 / COUNT(*)
  END AS quality_score,
  CASE
    WHEN COUNT(*) - COUNT(p_partkey) > 0 THEN 'WARNING'
    WHEN COUNT(*) - COUNT(DISTINCT p_partkey) > 0 THEN 'ERROR'
    ELSE 'HEALTHY'
  END AS status
FROM part
UNION ALL
SELECT
  'PARTSUPP' AS table_name,
  CURRENT_TIMESTAMP() AS check_timestamp,
  COUNT(*) AS total_records,
  COUNT(*) - COUNT(ps_suppkey) AS null_count,
  COUNT(*) - COUNT(DISTINCT CAST(ps_partkey AS BIGINT) * 100000 + ps_suppkey) AS duplicate_count,
  CASE
    WHEN COUNT(*) - COUNT(ps_suppkey) = 0 AND COUNT(*) - COUNT(DISTINCT CAST(ps_partkey AS BIGINT) * 100000 + ps_suppkey) = 0 THEN 100.0
    ELSE (COUNT(DISTINCT CAST(ps_partkey AS BIGINT) * 100000 + ps_suppkey) - (COUNT(*) - COUNT(ps_suppkey))) * 100.0 / COUNT(*)
  END AS quality_score,
  CASE
    WHEN COUNT(*) - COUNT(ps_suppkey) > 0 THEN 'WARNING'
    WHEN COUNT(*) - COUNT(DISTINCT CAST(ps_partkey AS BIGINT) * 100000 + ps_suppkey) > 0 THEN 'ERROR'
    ELSE 'HEALTHY'
  END AS status
FROM partsupp
UNION ALL
SELECT
  'ORDERS' AS table_name,
  CURRENT_TIMESTAMP() AS check_timestamp,
  COUNT(*) AS total_records,
  COUNT(*) - COUNT(o_custkey) AS null_count,
  COUNT(*) - COUNT(DISTINCT o_orderkey) AS duplicate_count,
  CASE
    WHEN COUNT(*) - COUNT(o_custkey) = 0 AND COUNT(*) - COUNT(DISTINCT o_orderkey) = 0 THEN 100.0
    ELSE (COUNT(DISTINCT o_orderkey) - (COUNT(*) - COUNT(o_custkey))) * 100.0 / COUNT(*)
  END AS quality_score,
  CASE
    WHEN COUNT(*) - COUNT(o_custkey) > 0 THEN 'WARNING'
    WHEN COUNT(*) - COUNT(DISTINCT o_orderkey) > 0 THEN 'ERROR'
    ELSE 'HEALTHY'
  END AS status
FROM orders
UNION ALL
SELECT
  'LINEITEM' AS table_name,
  CURRENT_TIMESTAMP() AS check_timestamp,
  COUNT(*) AS total_records,
  COUNT(*) - COUNT(l_partkey) AS null_count,
  COUNT(*) - COUNT(DISTINCT CAST(l_orderkey AS BIGINT) * 100000 + l_linenumber) AS duplicate_count,
  CASE
    WHEN COUNT(*) - COUNT(l_partkey) = 0 AND COUNT(*) - COUNT(DISTINCT CAST(l_orderkey AS BIGINT) * 100000 + l_linenumber) = 0 THEN 100.0
    ELSE (COUNT(DISTINCT CAST(l_orderkey AS BIGINT) * 100000 + l_linenumber) - (COUNT(*) - COUNT(l_partkey))) * 100.0 / COUNT(*)
  END AS quality_score,
  CASE
    WHEN COUNT(*) - COUNT(l_partkey) > 0 THEN 'WARNING'
    WHEN COUNT(*) - COUNT(DISTINCT CAST(l_orderkey AS BIGINT) * 100000 + l_linenumber) > 0 THEN 'ERROR'
    ELSE 'HEALTHY'
  END AS status
FROM lineitem;
