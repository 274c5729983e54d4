-- The seven dynamic-table pipelines of the product requirements (seeds 000, "Incremental/Full Refresh Pipeline
-- Examples" 1-6, including the two-table cascade), verbatim. They name warehouse demo_wh, so it is created first.
CREATE WAREHOUSE IF NOT EXISTS demo_wh WAREHOUSE_SIZE = XSMALL;

CREATE DYNAMIC TABLE order_analytics_incremental (
  order_date DATE,
  daily_order_count INTEGER,
  daily_revenue DECIMAL(15,2),
  avg_order_value DECIMAL(10,2)
)
LAG = '1 minute'
WAREHOUSE = demo_wh
AS
SELECT 
  o_orderdate,
  COUNT(*) as daily_order_count,
  SUM(o_totalprice) as daily_revenue,
  AVG(o_totalprice) as avg_order_value
FROM orders
WHERE o_orderdate >= CURRENT_DATE - 30
GROUP BY o_orderdate;

CREATE DYNAMIC TABLE customer_ltv_incremental (
  customer_key INTEGER,
  customer_name VARCHAR(100),
  nation VARCHAR(50),
  total_orders INTEGER,
  lifetime_value DECIMAL(15,2),
  avg_order_value DECIMAL(10,2),
  last_order_date DATE
)
LAG = '5 minutes'
WAREHOUSE = demo_wh
AS
SELECT 
  c.c_custkey,
  c.c_name,
  n.n_name,
  COUNT(o.o_orderkey) as total_orders,
  SUM(o.o_totalprice) as lifetime_value,
  AVG(o.o_totalprice) as avg_order_value,
  MAX(o.o_orderdate) as last_order_date
FROM customer c
JOIN nation n ON c.c_nationkey = n.n_nationkey
LEFT JOIN orders o ON c.c_custkey = o.o_custkey
GROUP BY c.c_custkey, c.c_name, n.n_name;

CREATE DYNAMIC TABLE monthly_sales_summary (
  year_month VARCHAR(7),
  region_name VARCHAR(50),
  total_orders INTEGER,
  total_revenue DECIMAL(15,2),
  unique_customers INTEGER,
  avg_order_size DECIMAL(10,2)
)
LAG = '1 day'
WAREHOUSE = demo_wh
REFRESH_MODE = FULL
AS
SELECT 
  TO_CHAR(o.o_orderdate, 'YYYY-MM') as year_month,
  r.r_name as region_name,
  COUNT(DISTINCT o.o_orderkey) as total_orders,
  SUM(o.o_totalprice) as total_revenue,
  COUNT(DISTINCT o.o_custkey) as unique_customers,
  AVG(o.o_totalprice) as avg_order_size
FROM orders o
JOIN customer c ON o.o_custkey = c.c_custkey
JOIN nation n ON c.c_nationkey = n.n_nationkey
JOIN region r ON n.n_regionkey = r.r_regionkey
GROUP BY TO_CHAR(o.o_orderdate, 'YYYY-MM'), r.r_name;

CREATE DYNAMIC TABLE product_performance_full (
  part_key INTEGER,
  part_name VARCHAR(100),
  manufacturer VARCHAR(50),
  total_quantity_sold INTEGER,
  total_revenue DECIMAL(15,2),
  avg_price DECIMAL(10,2),
  top_supplier_name VARCHAR(100)
)
LAG = '6 hours'
WAREHOUSE = demo_wh
REFRESH_MODE = FULL
AS
SELECT 
  p.p_partkey,
  p.p_name,
  p.p_mfgr,
  SUM(l.l_quantity) as total_quantity_sold,
  SUM(l.l_extendedprice * (1 - l.l_discount)) as total_revenue,
  AVG(l.l_extendedprice) as avg_price,
  (SELECT s.s_name 
   FROM partsupp ps 
   JOIN supplier s ON ps.ps_suppkey = s.s_suppkey 
   WHERE ps.ps_partkey = p.p_partkey 
   ORDER BY ps.ps_availqty DESC 
   LIMIT 1) as top_supplier_name
FROM part p
JOIN lineitem l ON p.p_partkey = l.l_partkey
GROUP BY p.p_partkey, p.p_name, p.p_mfgr;

-- Base table (incremental, 1-minute lag)
CREATE DYNAMIC TABLE daily_order_base (
  order_date DATE,
  order_count INTEGER,
  revenue DECIMAL(15,2)
)
LAG = '1 minute'
AS SELECT o_orderdate, COUNT(*), SUM(o_totalprice) FROM orders GROUP BY o_orderdate;

-- Dependent table (incremental, depends on daily_order_base)
CREATE DYNAMIC TABLE weekly_trends (
  week_start DATE,
  avg_daily_orders DECIMAL(8,2),
  revenue_growth_rate DECIMAL(5,2)
)
LAG = '10 minutes'
AS
SELECT 
  DATE_TRUNC('week', order_date) as week_start,
  AVG(order_count) as avg_daily_orders,
  (SUM(revenue) - LAG(SUM(revenue)) OVER (ORDER BY DATE_TRUNC('week', order_date))) / 
   LAG(SUM(revenue)) OVER (ORDER BY DATE_TRUNC('week', order_date)) * 100 as revenue_growth_rate
FROM daily_order_base
GROUP BY DATE_TRUNC('week', order_date);

CREATE DYNAMIC TABLE data_quality_dashboard (
  table_name VARCHAR(100),
  check_timestamp TIMESTAMP,
  total_records INTEGER,
  null_count INTEGER,
  duplicate_count INTEGER,
  quality_score DECIMAL(5,2),
  status VARCHAR(20)
)
LAG = '2 minutes'
AS
SELECT 
  'ORDERS' as table_name,
  CURRENT_TIMESTAMP() as check_timestamp,
  COUNT(*) as total_records,
  COUNT(*) - COUNT(o_custkey) as null_count,
  COUNT(*) - COUNT(DISTINCT o_orderkey) as duplicate_count,
  CASE 
    WHEN COUNT(*) - COUNT(o_custkey) = 0 AND COUNT(*) - COUNT(DISTINCT o_orderkey) = 0 
    THEN 100.0
    ELSE (COUNT(DISTINCT o_orderkey) * 100.0 / COUNT(*))
  END as quality_score,
  CASE 
    WHEN COUNT(*) - COUNT(o_custkey) > 0 THEN 'WARNING'
    WHEN COUNT(*) - COUNT(DISTINCT o_orderkey) > 0 THEN 'ERROR'
    ELSE 'HEALTHY'
  END as status
FROM orders;
