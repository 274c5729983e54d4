/** `dtlab --help`: every command and option of the CLI, and the SQL it runs (cli/main.ts prints it). */
import { DB_SPEC_HELP } from '../backends/open.js';

export const HELP = `dtlab — Snowflake-style dynamic tables on DuckDB-WASM, PGlite and PostgreSQL

Usage:
  dtlab sql  [--db DB] (-c SQL | -f FILE)   run statements; print result sets as tables
  dtlab demo [--db DB] [--data DIR]         load TPC-H SF 0.01 and create the seeds' seven pipelines
  dtlab tpch gen  --sf SF --out DIR [--updates N] [--table T,…] [--shift-to-today]
                                            write dbgen's files: customer.tbl … lineitem.tbl, orders.tbl.uK,
                                            lineitem.tbl.uK, delete.K (byte-identical to dbgen)
  dtlab tpch load --sf SF [--db DB] [--keys primary|none] [--updates N] [--shift-to-today] [--replace]
                                            generate TPC-H and bulk-load it (progress on stderr); loading the
                                            same again does nothing, a different load needs --replace
  dtlab tpch rf1  --set K [--db DB]         TPC-H RF1: insert update set K's orders and line items
  dtlab tpch rf2  --set K [--db DB]         TPC-H RF2: delete update set K's orders and line items
  dtlab tpch simulate [--db DB] [--rate R] [--seconds S] [--faults kind=p,…] [--seed N]
                                            stream new orders, status changes, corrections, cancellations
                                            (faults, as in %dt simulate: nulls, duplicates, negative, unknown;
                                            or nullCustomer, duplicateKey, negativePrice, unknownCustomer)
  dtlab bench refresh --sf SF [--db DB] [--batch N] [--minutes M] [--uncompressed]
                                            what a refresh costs, one backend, one run (1-minute load
                                            average with each section): at SF 0.01 on fresh databases, the
                                            latency of a NO_DATA refresh and of a 1-row change (a linear DT,
                                            customer_ltv; medians after 9 refreshes of warm-up) and M minutes
                                            (default 60) of two lessons (Scenario A at rate 2; the seven
                                            pipelines at 1-minute lags, rate 10); at SF, full ÷ incremental
                                            per pipeline after RF1+RF2 and after a batch of N new orders
                                            (default 100000); capture's write overhead; the cost of five
                                            expectations (as bench expectations)
  dtlab bench expectations [--db DB]        at SF 0.01 on a fresh database: an incremental refresh without
                                            and with five expectations (docs/quality.md), medians and ratio
  dtlab bench quality --sf SF [--db DB]     a full evaluation of every system data metric function on
                                            lineitem (loads TPC-H at SF if needed): rows per second
  dtlab quality [TABLE] [--db DB] [--evaluate]
                                            the data-quality scorecard (score, state, rules, pass rates);
                                            --evaluate measures TABLE's data metric functions now
  dtlab --help                              this text

The Jupyter kernel (magics and TypeScript cells in Node, on PGlite or PostgreSQL) is a command of its own:
  dtlab-kernel install --prefix DIR | start --config-path FILE | --help   (see docs/kernel.md)

Options:
  --db DB        ${DB_SPEC_HELP}
  -c, --command  SQL text: one or more statements separated by ';'
  -f, --file     a file of statements ('-' reads standard input)
  --data DIR     directory of dbgen .tbl[.gz] files for demo (default: the repository's data/tpch-sf0.01)
  --sf SF        TPC-H scale factor: 0.01, 0.1, 1, 10 … (SF 1 = 6 million line items)
  --updates N    refresh sets to write (gen, default 0) or to allow rf1/rf2 to apply (load, default 10)
  --batch N      orders in the benchmark's batch (capped at a tenth of the orders table)
  --minutes M    lesson-clock minutes of the benchmark's lesson hours (default 60)
  --uncompressed DuckDB, bench refresh: keep the tables uncompressed in memory, as the browser's DuckDB does
                 (from SF 0.1 they are compressed by default, to fit SF 1 in 1.5 GB; ~2.5 GB uncompressed)
  --keys MODE    primary (default): the spec's primary keys; none: no keys, so duplicates can be injected
  --shift-to-today  move every date by one constant so the latest order falls on today (UTC)

Statements: every SQL statement of the backend, plus
  CREATE [OR REPLACE] DYNAMIC TABLE [IF NOT EXISTS] name [(col [type], …)]
      TARGET_LAG = '<n> seconds|minutes|hours|days' | DOWNSTREAM   (also LAG = …)
      [WAREHOUSE = wh] [REFRESH_MODE = AUTO|FULL|INCREMENTAL] [INITIALIZE = ON_CREATE|ON_SCHEDULE]
      [SCHEDULER = ENABLE|DISABLE] [COMMENT = '…'] AS query
  ALTER DYNAMIC TABLE name SUSPEND | RESUME | REFRESH | SET TARGET_LAG = … | SET WAREHOUSE = wh | RENAME TO new
  DROP DYNAMIC TABLE [IF EXISTS] name
  SHOW DYNAMIC TABLES [LIKE 'pattern']        DESCRIBE DYNAMIC TABLE name
  EXPLAIN REFRESH [DYNAMIC TABLE] name        the steps of name's last refresh in this session: label, reads,
                                              writes, ms and rows of each (docs/incremental.md)
  CREATE [OR REPLACE] WAREHOUSE [IF NOT EXISTS] name [WAREHOUSE_SIZE = XSMALL|SMALL|…|4XLARGE]
  SHOW WAREHOUSES [LIKE 'pattern']            DROP WAREHOUSE [IF EXISTS] name

Exit status: 0 on success, 1 when a statement fails (the error shows line:column and a caret), 2 on usage errors.
`;
