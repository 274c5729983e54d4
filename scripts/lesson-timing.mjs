#!/usr/bin/env node
/**
 * Times each lesson cell by cell: the lesson's ```dtlab blocks (content/<lesson>.md, the same cells the
 * notebooks are built from) run in order in a magic session on a fresh in-memory DuckDB database, as the
 * page runtime runs them (the same kernel-lib magics; the browser adds rendering, not engine work). Prints
 * each cell's time, then per lesson the total, the median cell and the slowest cell, against the goals
 * (lesson < 60 s, median cell < 300 ms, no cell > 10 s). Uses this checkout's kernel-lib/dist (build it
 * first: `npm run build -w kernel-lib` or scripts/setup.sh).
 *
 *   node scripts/lesson-timing.mjs [--print] [--db SPEC] [lesson …]   (default: every lesson in content/)
 *
 * --print also prints each cell's text output. --db times the lessons on another database, as the DT Lab
 * kernel runs them: `pglite` (in memory; the kernel's default) or `postgres://user@host:port/db` (an EMPTY
 * database: each lesson starts by dropping what the previous one left in its schema). Default: duckdb (in
 * memory), as the page runtime.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const lib = await import(pathToFileURL(path.join(root, 'kernel-lib/dist/index.js')).href);
const { openBackend, TPCH_END } = lib;
const { MagicSession } = lib.magics;

const GOALS = { lessonMs: 60_000, medianMs: 300, cellMs: 10_000 };

// The lesson's code cells, the exercises' reference solutions (```dtlab solution) included, as Run All runs them.
const cellsOf = (source) =>
  [...source.matchAll(/^```dtlab(?: solution)?\n([\s\S]*?)^```$/gm)].map((m) => m[1].trim());
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (ms) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`);

const args = process.argv.slice(2);
if (args.includes('--help') || args.includes('-h')) {
  console.log(
    'usage: node scripts/lesson-timing.mjs [--print] [--db duckdb|pglite|postgres://user@host:port/db] [lesson …]\n' +
      'Times every lesson in content/ (or those named) cell by cell; prints total, median and slowest cell.',
  );
  process.exit(0);
}
const unknown = args.find(
  (a, i) => a.startsWith('-') && a !== '--print' && a !== '--db' && args[i - 1] !== '--db',
);
if (unknown) {
  console.error(`unknown option ${unknown} (try --help)`);
  process.exit(2);
}
const print = args.includes('--print');
const dbAt = args.indexOf('--db');
const db = dbAt >= 0 ? args[dbAt + 1] : 'duckdb';
if (!db || db.startsWith('--')) {
  console.error('--db needs a database: duckdb | pglite | postgres://user@host:port/db');
  process.exit(2);
}
const asked = args.filter((a, i) => a !== '--print' && (dbAt < 0 || (i !== dbAt && i !== dbAt + 1)));
const lessons = asked.length
  ? asked
  : readdirSync(path.join(root, 'content'))
      .filter((f) => /^scenario-.*\.md$/.test(f))
      .map((f) => f.replace(/\.md$/, ''));
let failed = false;
/** A PostgreSQL database's current schema and dtlab, emptied: each lesson starts on a fresh database. */
async function emptySchema(spec) {
  const backend = await openBackend(spec);
  try {
    const { rows } = await backend.query('SELECT current_schema()');
    const schema = String(rows[0][0]).replaceAll('"', '""');
    for (const sql of [
      'DROP SCHEMA IF EXISTS dtlab CASCADE',
      `DROP SCHEMA IF EXISTS "${schema}" CASCADE`,
      `CREATE SCHEMA "${schema}"`,
    ])
      await backend.query(sql);
  } finally {
    await backend.close();
  }
}
/** `chg_<source>` rows (dead rows where the database counts them), one entry per change table. */
async function changeTableSizes({ engine }) {
  const db = engine.backend;
  const { rows } = await db.query(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'dtlab' AND table_name LIKE 'chg_%' ORDER BY 1",
  );
  const sizes = [];
  for (const [name] of rows) {
    const n = Number((await db.query(`SELECT count(*) FROM dtlab."${name}"`)).rows[0][0]);
    let dead = '';
    if (db.family !== 'duckdb') {
      const d = await db.query(
        `SELECT n_dead_tup FROM pg_stat_user_tables WHERE schemaname = 'dtlab' AND relname = '${name}'`,
      );
      if (d.rows.length) dead = ` (${Number(d.rows[0][0])} dead)`;
    }
    sizes.push(`${name} ${n}${dead}`);
  }
  return sizes.join(', ') || 'none';
}
for (const lesson of lessons) {
  const cells = cellsOf(readFileSync(path.join(root, 'content', `${lesson}.md`), 'utf8'));
  if (db.startsWith('postgres')) await emptySchema(db);
  const session = new MagicSession({
    open: async (spec) => openBackend(spec),
    defaultSpec: db,
    ...(TPCH_END === undefined ? {} : { start: TPCH_END }),
  });
  const times = [];
  console.log(`# ${lesson} on ${db.replace(/:[^:@/]*@/, ':***@')}: ${cells.length} cells`);
  for (const [i, cell] of cells.entries()) {
    const t0 = performance.now();
    let error = '';
    try {
      const out = (await session.run(cell)) ?? [];
      if (print)
        for (const b of out) console.log(String(b.data['text/plain'] ?? '').replace(/^/gm, '      | '));
      const err = out.find((b) => b.data['application/vnd.dtlab.error+json']);
      if (err) error = ` ERROR ${err.data['text/plain']}`;
    } catch (e) {
      error = ` ERROR ${e.message}`;
    }
    const ms = performance.now() - t0;
    times.push(ms);
    if (error) failed = true;
    console.log(`  ${String(i + 1).padStart(2)} ${fmt(ms).padStart(9)}  ${cell.split('\n')[0]}${error}`);
  }
  // The change tables as the lesson leaves them: rows (and, on the PostgreSQL family, dead rows not yet
  // reclaimed), which every incremental refresh reading them scans.
  console.log(`  change tables: ${await changeTableSizes(await session.connect())}`);
  // Acceptance: after the lesson, every DT (brought up to date) holds exactly its query's rows (filtered by
  // its DROP ROW and QUARANTINE expectations: VERIFY's comparison), and none is empty (a CURRENT_DATE filter
  // must see the lesson's data).
  const { engine } = await session.connect();
  for (const dt of await engine.listDynamicTables()) {
    await engine.execute(`ALTER DYNAMIC TABLE ${dt.name} REFRESH`);
    const { rows } = await engine.backend.query(`SELECT count(*) FROM "${dt.name}"`);
    const count = Number(rows[0][0]);
    const verified = await engine.verify(dt.name);
    if (count === 0 || !verified.equal) failed = true;
    console.log(
      `  check ${dt.name}: ${count} rows, ${verified.equal ? 'equal to' : `${verified.rows.length} differ from`} its query${count === 0 ? ' (EMPTY)' : ''}`,
    );
  }
  await session.close();
  const total = times.reduce((a, b) => a + b, 0);
  const slowest = times.indexOf(Math.max(...times));
  const ok = (v, goal) => (v < goal ? 'ok' : 'OVER');
  console.log(
    `${lesson}: total ${fmt(total)} (${ok(total, GOALS.lessonMs)}, goal < 60 s); ` +
      `median cell ${fmt(median(times))} (${ok(median(times), GOALS.medianMs)}, goal < 300 ms); ` +
      `slowest cell ${slowest + 1} ${fmt(times[slowest])} (${ok(times[slowest], GOALS.cellMs)}, goal < 10 s): ` +
      `${cells[slowest].split('\n')[0]}`,
  );
  console.log(
    `(load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')} on ${(await import('node:os')).cpus().length} cores)`,
  );
}
process.exit(failed ? 1 : 0);
