/**
 * `dtlab`: the command line of DT Lab. Each command is a small function; `main` only routes and reports.
 *
 * Start-up: this module imports only what routing and error reports need. The engine (with the SQL parser),
 * the backends and the TPC-H and bench commands are imported by the command that uses them, and the
 * database opens while the engine's code loads (DuckDB instantiates its WebAssembly on a worker thread, a
 * server connects). `npm run build` bundles this entry point (scripts/bundle.mjs) so that the imports a
 * command does make cost one file read each.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { type OpenOptions, openBackend } from '../backends/open.js';
import type { Engine, StatementResult } from '../engine/engine.js';
import { DtError, messageOf } from '../errors.js';
import { caretSnippet } from '../sql/position.js';
import { TPCH_TABLES } from '../tpch/schema.js';
import { HELP } from './help.js';
import { repoFile } from './paths.js';
import { formatTable } from './table.js';
import type { TpchValues } from './tpch.js';

const DATA_DIR = repoFile('data/');

export { HELP };

function printResults(results: StatementResult[], out: (s: string) => void): void {
  for (const r of results) {
    if (r.message) out(r.message);
    else if (r.columns.length > 0) out(formatTable(r.columns, r.rows));
    else if (/^\s*(insert|update|delete|merge|copy)\b/i.test(r.sql)) {
      out(`${r.rowCount} row${r.rowCount === 1 ? '' : 's'} affected`);
    } else out('Statement executed successfully.');
  }
}

/** The error as a user should read it: code, message, and where (line:column with a caret). */
export function formatError(e: unknown): string {
  if (!(e instanceof DtError)) return `error: ${messageOf(e)}`;
  const { position, sql, hint } = e.details;
  const where = position ? ` at line ${position.line}, column ${position.column}` : '';
  const lines = [`error ${e.code}${where}: ${e.message}`];
  if (position && sql) lines.push(caretSnippet(sql, position));
  if (hint) lines.push(`hint: ${hint}`);
  return lines.join('\n');
}

/** Opens the database and an engine on it; the engine's code loads while the database opens. */
async function openEngine(db: string | undefined, options: OpenOptions = {}): Promise<Engine> {
  const engineModule = import('../engine/engine.js');
  engineModule.catch(() => undefined); // reported below, once the backend is open
  const backend = await openBackend(db, options);
  try {
    const { Engine } = await engineModule;
    return await Engine.open(backend);
  } catch (e) {
    await backend.close().catch(() => undefined);
    throw e;
  }
}

async function withEngine<T>(
  db: string | undefined,
  fn: (engine: Engine) => Promise<T>,
  options: OpenOptions = {},
): Promise<T> {
  const engine = await openEngine(db, options);
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

async function sqlCommand(
  values: { db?: string; command?: string; file?: string },
  out: (s: string) => void,
) {
  if ((values.command === undefined) === (values.file === undefined)) {
    throw new DtError('DT_ERR_USAGE', 'dtlab sql needs exactly one of -c SQL or -f FILE');
  }
  const script = values.command ?? readFileSync(values.file === '-' ? 0 : (values.file as string), 'utf8');
  await withEngine(values.db, async (engine) => printResults(await engine.execute(script), out));
}

async function demoCommand(values: { db?: string; data?: string }, out: (s: string) => void) {
  await withEngine(values.db, async (engine) => {
    out(`database: ${engine.backend.description}`);
    const dir = values.data ?? `${DATA_DIR}tpch-sf0.01`;
    const existing = await engine.backend.query(
      `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema() AND table_name IN (${TPCH_TABLES.map((t) => `'${t}'`).join(', ')})`,
    );
    if (Number(existing.rows[0]?.[0]) === 0) {
      const { loadTpchFiles } = await import('../tpch/load-files.js');
      await loadTpchFiles(engine.backend, dir, (table, rows) => out(`loaded ${table}: ${rows} rows`));
    } else {
      out('TPC-H tables already present; not reloading');
    }
    const pipelines = readFileSync(`${DATA_DIR}pipelines/seed_pipelines.sql`, 'utf8');
    printResults(
      await engine.execute(pipelines.replace(/CREATE DYNAMIC TABLE/g, 'CREATE OR REPLACE DYNAMIC TABLE')),
      out,
    );
    printResults(await engine.execute('SHOW DYNAMIC TABLES'), out);
  });
}

/**
 * A database for TPC-H at `sf`: compressed in memory (DuckDB) from SF 0.1 (backends/open.ts), unless
 * `uncompressed` (bench refresh: the layout of the browser's DuckDB).
 */
export const sized = (sf: string | undefined, uncompressed = false): OpenOptions => ({
  compressed: !uncompressed && Number(sf) >= 0.1,
});

async function tpchCommand(
  sub: string | undefined,
  values: TpchValues & { db?: string },
  out: (s: string) => void,
  err: (s: string) => void,
) {
  const { tpchGen, tpchLoad, tpchRefresh, tpchSimulate } = await import('./tpch.js');
  if (sub === 'gen') return tpchGen(values, out);
  if (sub === 'load') return withEngine(values.db, (e) => tpchLoad(e, values, out, err), sized(values.sf));
  if (sub === 'rf1' || sub === 'rf2') return withEngine(values.db, (e) => tpchRefresh(e, sub, values, out));
  if (sub === 'simulate') return withEngine(values.db, (e) => tpchSimulate(e, values, out));
  throw new DtError(
    'DT_ERR_USAGE',
    `unknown tpch command '${sub ?? ''}': expected gen, load, rf1, rf2 or simulate`,
  );
}

async function benchCommand(
  sub: string | undefined,
  values: { db?: string; sf?: string; batch?: string; minutes?: string; uncompressed?: boolean },
  out: (s: string) => void,
) {
  if (sub === 'expectations') {
    const { benchExpectations } = await import('./bench.js');
    return withEngine(values.db, (e) => benchExpectations(e.backend, out));
  }
  if (sub === 'quality') {
    const [{ benchQuality }, { parseScaleFactor }] = await Promise.all([
      import('./bench/quality.js'),
      import('./tpch.js'),
    ]);
    const sf = parseScaleFactor(values.sf);
    return withEngine(values.db, (e) => benchQuality(e, sf, out), sized(values.sf));
  }
  if (sub !== 'refresh')
    throw new DtError(
      'DT_ERR_USAGE',
      `unknown bench '${sub ?? ''}': expected refresh, expectations or quality`,
    );
  const [{ benchRefresh, parseBatch, parseMinutes }, { parseScaleFactor }] = await Promise.all([
    import('./bench.js'),
    import('./tpch.js'),
  ]);
  const options = {
    sf: parseScaleFactor(values.sf),
    batch: parseBatch(values.batch),
    minutes: parseMinutes(values.minutes),
  };
  await withEngine(values.db, (e) => benchRefresh(e, options, out), sized(values.sf, values.uncompressed));
}

/** `dtlab quality [TABLE] [--evaluate]`: the scorecard as text (the `%dt quality` bundle's text/plain). */
async function qualityCommand(
  rest: string[],
  values: { db?: string; evaluate?: boolean },
  out: (s: string) => void,
) {
  const name = rest[0]?.startsWith('-') ? undefined : rest[0];
  if (values.evaluate && !name)
    throw new DtError('DT_ERR_USAGE', 'dtlab quality --evaluate needs a table name');
  const [{ qualityView }, { qualityBundle }] = await Promise.all([
    import('../quality/report.js'),
    import('../display/quality.js'),
  ]);
  await withEngine(values.db, async (e) => {
    if (values.evaluate && name) await e.quality.measure(name);
    out(String(qualityBundle(await qualityView(e.backend, name), false).data['text/plain']));
  });
}

/** Runs the CLI; returns the exit status. */
export async function main(
  argv: string[],
  out = (s: string) => console.log(s),
  err = (s: string) => console.error(s),
) {
  const [command, ...rest] = argv;
  try {
    if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
      out(HELP);
      return command === undefined ? 2 : 0;
    }
    const { values } = parseArgs({
      // `tpch SUB`, `bench SUB` and `quality TABLE` take one word before their options.
      args:
        command === 'tpch' || command === 'bench' || (command === 'quality' && !rest[0]?.startsWith('-'))
          ? rest.slice(1)
          : rest,
      options: {
        db: { type: 'string' },
        command: { type: 'string', short: 'c' },
        file: { type: 'string', short: 'f' },
        data: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        sf: { type: 'string' },
        out: { type: 'string' },
        updates: { type: 'string' },
        table: { type: 'string' },
        set: { type: 'string' },
        keys: { type: 'string' },
        replace: { type: 'boolean' },
        'shift-to-today': { type: 'boolean' },
        rate: { type: 'string' },
        seconds: { type: 'string' },
        faults: { type: 'string' },
        seed: { type: 'string' },
        batch: { type: 'string' },
        minutes: { type: 'string' },
        uncompressed: { type: 'boolean' },
        evaluate: { type: 'boolean' },
      },
    });
    if (values.help) {
      out(HELP);
      return 0;
    }
    if (command === 'sql') await sqlCommand(values, out);
    else if (command === 'demo') await demoCommand(values, out);
    else if (command === 'tpch') await tpchCommand(rest[0], values, out, err);
    else if (command === 'bench') await benchCommand(rest[0], values, out);
    else if (command === 'quality') await qualityCommand(rest, values, out);
    else throw new DtError('DT_ERR_USAGE', `unknown command '${command}' (see dtlab --help)`);
    return 0;
  } catch (e) {
    err(formatError(e));
    const usage =
      (e instanceof DtError && e.code === 'DT_ERR_USAGE') ||
      (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    return usage ? 2 : 1;
  }
}
