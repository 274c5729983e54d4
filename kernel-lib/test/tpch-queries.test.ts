/**
 * The 22 TPC-H queries, run verbatim on each backend over TPC-H SF 0.01, must return the reference answers
 * (computed with PostgreSQL 15 on the same data; copied from the TPC-H reference material into data/).
 * The queries go straight to `backend.query`, not through the engine: this checks the backends' SQL and
 * their value normalisation, independently of anything built on top. Every query runs verbatim on all three
 * backends (DuckDB accepts the PostgreSQL text as is, Q15's view included): there are no per-backend rewrites.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, QueryResult, Value } from '../src/backends/backend.js';
import { loadTpchFiles } from '../src/tpch/load-files.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';

const DATA = new URL('../../data/', import.meta.url);
const QUERIES = Array.from({ length: 22 }, (_, i) => `q${String(i + 1).padStart(2, '0')}`);

/** Splits a plain SQL script into statements: drops `--` comments, splits on `;` outside quotes. */
function splitStatements(script: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  for (let i = 0; i < script.length; i++) {
    const c = script[i] as string;
    if (quote) {
      cur += c;
      if (c === quote) quote = undefined;
    } else if (c === "'" || c === '"') {
      quote = c;
      cur += c;
    } else if (c === '-' && script[i + 1] === '-') {
      while (i < script.length && script[i] !== '\n') i++;
      cur += '\n';
    } else if (c === ';') {
      out.push(cur);
      cur = '';
    } else {
      cur += c;
    }
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

/** A `.out` answer file: `|`-separated, header line first. */
function readAnswer(name: string): { header: string[]; rows: string[][] } {
  const lines = readFileSync(new URL(`tpch-answers-sf0.01/${name}.out`, DATA), 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const [head = '', ...rest] = lines;
  return { header: head.split('|'), rows: rest.map((l) => l.split('|')) };
}

const NUMBER = /^-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** A result value as the answer files print it (psql prints NULL as the empty string: Q17 at SF 0.01). */
function text(v: Value): string {
  if (v === null) return '';
  if (typeof v === 'boolean') return v ? 't' : 'f';
  return String(v);
}

/**
 * Numbers compare numerically, to a relative 1e-9 (absolute 1e-9 below 1, so zero compares sanely). Exact
 * NUMERIC results (PostgreSQL, PGlite, DuckDB's DECIMAL) match the answers digit for digit; the tolerance is
 * for DuckDB's AVG over DECIMAL and DECIMAL / DECIMAL, which return DOUBLE (~16 significant digits) where
 * PostgreSQL prints 20 (Q1's averages, Q8, Q14). Those agree to ~1e-16, so 1e-9 is plenty and still catches
 * real errors; a flat absolute 1e-6 would let a wrong 7th significant digit through on Q1's averages (~25).
 */
function cellsMatch(expected: string, actual: string): boolean {
  if (NUMBER.test(expected) && NUMBER.test(actual)) {
    const a = Number(expected);
    const b = Number(actual);
    return Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b), 1);
  }
  // CHAR(n) values are blank-padded by PostgreSQL, not by DuckDB.
  return expected.trimEnd() === actual.trimEnd();
}

/** Runs a query file's statements in order; returns the result of the one statement that selects rows. */
async function runScript(backend: Backend, sql: string): Promise<QueryResult> {
  const statements = splitStatements(sql);
  const selects = statements.filter((s) => /^(select|with)\b/i.test(s));
  expect(selects, 'exactly one row-returning statement').toHaveLength(1);
  let result: QueryResult | undefined;
  for (const s of statements) {
    const r = await backend.query(s).catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n  in statement:\n${s}`);
    });
    if (/^(select|with)\b/i.test(s)) result = r;
  }
  return result as QueryResult;
}

describe.each(BACKEND_KINDS)('TPC-H queries on %s (SF 0.01)', (kind) => {
  let backend: Backend;

  beforeAll(async () => {
    backend = await freshBackend(kind);
    await loadTpchFiles(backend, new URL('tpch-sf0.01/', DATA).pathname);
  });
  afterAll(async () => {
    await backend?.close();
  });

  it.each(QUERIES)('%s', async (name) => {
    const sql = readFileSync(new URL(`tpch-queries/${name}.sql`, DATA), 'utf8');
    const expected = readAnswer(name);
    const result = await runScript(backend, sql);
    const actual = result.rows.map((r) => r.map(text));
    const wanted = expected.rows;

    expect(result.columns.length, `${name} on ${kind}: column count`).toBe(expected.header.length);
    expect(actual.length, `${name} on ${kind}: row count`).toBe(wanted.length);
    // Rows compare in order. Every query with several rows ends in an ORDER BY, and none of those leaves ties
    // at SF 0.01 (checked: the ORDER BY keys are unique in every answer file, and all three backends agree),
    // so no query needs an order-insensitive comparison.
    for (let i = 0; i < wanted.length; i++) {
      const want = wanted[i] as string[];
      const got = actual[i] as string[];
      if (!want.every((c, j) => cellsMatch(c, got[j] as string))) {
        expect.fail(
          `${name} on ${kind}: row ${i} differs\n` +
            `  columns:  ${expected.header.join('|')}\n` +
            `  expected: ${want.join('|')}\n` +
            `  actual:   ${got.join('|')}\n` +
            `  query:\n${sql}`,
        );
      }
    }
  });
});
