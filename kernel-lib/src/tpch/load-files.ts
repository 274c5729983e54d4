/** Loads dbgen `.tbl[.gz]` files from a directory into a backend (Node only: it reads files). */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Backend } from '../backends/backend.js';
import { DtError } from '../errors.js';
import { parseTblLine, TPCH_DDL, TPCH_TABLES, type TpchTableName, tpchColumns } from './schema.js';

function readTbl(dir: string, file: string): string {
  const plain = path.join(dir, file);
  if (existsSync(plain)) return readFileSync(plain, 'utf8');
  if (existsSync(`${plain}.gz`)) return gunzipSync(readFileSync(`${plain}.gz`)).toString('utf8');
  throw new DtError('DT_ERR_USAGE', `no ${file} or ${file}.gz in ${dir}`);
}

function* rowsOf(text: string): Generator<string[]> {
  for (const line of text.split('\n')) if (line !== '') yield parseTblLine(line);
}

/** Creates the eight TPC-H tables and loads them. Refuses if any already exists. */
export async function loadTpchFiles(
  backend: Backend,
  dir: string,
  onTable?: (table: TpchTableName, rows: number) => void,
): Promise<Record<TpchTableName, number>> {
  const texts = Object.fromEntries(TPCH_TABLES.map((t) => [t, readTbl(dir, `${t}.tbl`)])) as Record<
    TpchTableName,
    string
  >;
  const counts = {} as Record<TpchTableName, number>;
  await backend.transaction(async (tx) => {
    for (const t of TPCH_TABLES) await tx.query(TPCH_DDL[t]);
  });
  for (const t of TPCH_TABLES) {
    counts[t] = await backend.copyRows(t, tpchColumns(t), rowsOf(texts[t]));
    onTable?.(t, counts[t]);
  }
  return counts;
}
