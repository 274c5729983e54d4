#!/usr/bin/env node
/**
 * Browser benchmark: loads TPC-H SF 0.1 into DuckDB-WASM inside Chromium, in a dedicated Web Worker, while the
 * page measures how responsive its main thread stays.
 *
 *   node kernel-lib/bench/browser/run.mjs [--sf 0.1] [--main-thread] [--keep]
 *
 * --main-thread is a control run: the same job on the page's main thread, to show what the responsiveness
 * measurement reports when the page is blocked. --keep keeps the bundle directory.
 *
 * Bundles page.ts and worker.ts with esbuild into a temporary directory, serves them and DuckDB-WASM's dist
 * files from a local static server (nothing is fetched from a CDN; other requests are refused), drives the
 * system Chromium (/usr/bin/chromium, see scripts/install-browser.sh) through playwright-core, saves a
 * screenshot to /tmp/dtlab-browser-bench.png and prints a summary. Exits non-zero on any failure.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as esbuild from 'esbuild';
import { launchChromium, serveStatic } from '../../../scripts/browser.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const TIMEOUT_MS = 10 * 60_000;
const EXPECTED = { lineitem: 600_572, orders: 150_000 };

const { values: opts } = parseArgs({
  options: {
    sf: { type: 'string', default: '0.1' },
    'main-thread': { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const sf = Number(opts.sf);
const thread = opts['main-thread'] ? 'main' : 'worker';
const SCREENSHOT =
  thread === 'main' ? '/tmp/dtlab-browser-bench-main-thread.png' : '/tmp/dtlab-browser-bench.png';

const require = createRequire(import.meta.url);
const DUCKDB_DIST = path.dirname(require.resolve('@duckdb/duckdb-wasm/dist/duckdb-eh.wasm'));

/** Bundles the page and the worker; fails if anything in their import graph is Node-only. */
async function build(outdir) {
  const result = await esbuild.build({
    entryPoints: { page: path.join(HERE, 'page.ts'), worker: path.join(HERE, 'worker.ts') },
    outdir,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    sourcemap: 'linked',
    metafile: true,
    logLevel: 'silent',
  });
  for (const w of result.warnings) console.warn(`esbuild: ${w.text}`);
  const nodeOnly = Object.entries(result.metafile.inputs).flatMap(([file, input]) =>
    input.imports.filter((i) => i.path.startsWith('node:') || i.external).map((i) => `${file} → ${i.path}`),
  );
  if (nodeOnly.length > 0)
    throw new Error(`the bundle imports Node-only modules:\n  ${nodeOnly.join('\n  ')}`);
  const sizes = Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith('.js'))
    .map(([file, o]) => `${path.basename(file)} ${(o.bytes / 1024).toFixed(0)} KiB`);
  console.log(`bundled ${sizes.join(', ')}`);
}

/** Serves the bundle, index.html (copied next to it) and DuckDB-WASM's dist files under `/duckdb/`. */
async function serve(outdir) {
  await copyFile(path.join(HERE, 'index.html'), path.join(outdir, 'index.html'));
  return serveStatic(
    [
      ['/duckdb/', DUCKDB_DIST],
      ['/', outdir],
    ],
    { log: (line) => console.warn(`server: ${line}`) },
  );
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_r, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const outdir = await mkdtemp(path.join(os.tmpdir(), 'dtlab-browser-bench-'));
  let server;
  let browser;
  try {
    await build(outdir);
    server = await serve(outdir);
    const { origin } = server;

    browser = await launchChromium({ extraArgs: ['--disable-quic'] });
    const context = await browser.newContext({ viewport: { width: 900, height: 420 } });
    // Only our server may be reached: anything else (a CDN, extension downloads) is refused and reported.
    const refused = [];
    await context.route(
      (url) => url.origin !== origin,
      (route) => {
        refused.push(route.request().url());
        return route.abort('blockedbyclient');
      },
    );
    const page = await context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') console.log(`page ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => console.log(`page error: ${e.message}`));

    const url = `${origin}/?sf=${sf}${thread === 'main' ? '&thread=main' : ''}`;
    console.log(`chromium ${browser.version()} → ${url}`);
    await page.goto(url);
    const result = await withTimeout(
      page.evaluate(() => window.benchDone),
      TIMEOUT_MS,
      'the TPC-H load in the browser',
    );
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    console.log(`screenshot: ${SCREENSHOT}`);
    if (!result) throw new Error('the page did not start a run');
    if (refused.length > 0)
      throw new Error(`the page tried to reach other hosts:\n  ${refused.join('\n  ')}`);
    if (!result.ok) throw new Error(`the load failed in the browser: ${result.error}`);

    const secs = result.loadMs / 1000;
    const counts = result.counts ?? {};
    console.log(
      `tables: ${Object.entries(result.tables)
        .map(([t, n]) => `${t}=${n}`)
        .join(', ')}; DuckDB-WASM open ${result.openMs.toFixed(0)} ms`,
    );
    console.log(
      `progress: ${result.timeline.map((p) => `${p.table} ${p.rows} @${(p.atMs / 1000).toFixed(2)}s`).join(', ')}`,
    );
    console.log(
      `largest interval gap ended ${(result.maxGapAtMs / 1000).toFixed(2)} s into the load (last progress before it: ` +
        `${result.maxGapDuring}); long tasks: ${
          result.longTaskList
            .map((t) => `${t.ms.toFixed(0)} ms at ${(t.startMs / 1000).toFixed(2)} s`)
            .join(', ') || 'none'
        }`,
    );
    console.log(
      `frames: ${result.frames}, max frame gap ${result.maxFrameGapMs.toFixed(1)} ms, ` +
        `p99 ${result.p99FrameGapMs.toFixed(1)} ms; interval ticks: ${result.ticks}; long tasks: ${result.longTasks}`,
    );
    console.log(
      `browser load SF ${sf}${thread === 'main' ? ' (CONTROL: on the main thread)' : ''}: ${result.rows} rows in ${secs.toFixed(2)} s ` +
        `(${Math.round(result.rows / secs)} rows/s); main thread max gap ${result.maxGapMs.toFixed(1)} ms, ` +
        `p99 ${result.p99GapMs.toFixed(1)} ms; lineitem=${counts.lineitem}, orders=${counts.orders}`,
    );
    if (sf === 0.1 && (counts.lineitem !== EXPECTED.lineitem || counts.orders !== EXPECTED.orders)) {
      throw new Error(`expected lineitem=${EXPECTED.lineitem}, orders=${EXPECTED.orders}`);
    }
  } finally {
    await browser?.close();
    await server?.close();
    if (opts.keep) console.log(`bundle kept in ${outdir}`);
    else await rm(outdir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`browser benchmark failed: ${e instanceof Error ? e.message : e}`);
  process.exit(1);
});
