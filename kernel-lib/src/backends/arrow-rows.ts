/**
 * Rows → Apache Arrow IPC streams, for DuckDB's bulk load (`DuckDbBackend.copyRows`): binary columns instead
 * of CSV text, so a load neither builds megabytes of strings per chunk nor has DuckDB parse them back.
 *
 * Each column is Int32 when every value is a 32-bit integer, otherwise Utf8 holding the value's text exactly as
 * the CSV path wrote it (String(v); booleans 'true'/'false'); NULL stays NULL and '' stays ''. The target
 * table's own types (DECIMAL, DATE …) come from DuckDB's cast on INSERT, the same text-to-type cast COPY did,
 * so a value loads identically whichever path carried it. Pure: no I/O.
 */
import { Int32, makeData, makeVector, Table, tableToIPC, Utf8, type Vector } from 'apache-arrow';
import type { Value } from './backend.js';

export interface ArrowChunk {
  /** One Arrow IPC stream (schema, one record batch, end marker). */
  ipc: Uint8Array;
  /** The SQL type of each column as Arrow carries it: INTEGER or VARCHAR. */
  types: ('INTEGER' | 'VARCHAR')[];
  rows: number;
}

const encoder = new TextEncoder();

function isInt32(v: Value): boolean {
  return typeof v === 'number' && (v | 0) === v;
}

function text(v: Value): string {
  return typeof v === 'string' ? v : typeof v === 'boolean' ? (v ? 'true' : 'false') : String(v);
}

/** The validity bitmap (bit set = value present) and the null count of column `c`. */
function validity(rows: readonly Value[][], c: number): { bitmap: Uint8Array; nulls: number } {
  const bitmap = new Uint8Array((rows.length + 7) >> 3);
  let nulls = 0;
  for (let r = 0; r < rows.length; r++) {
    const v = rows[r]?.[c];
    if (v === null || v === undefined) nulls++;
    else bitmap[r >> 3] = (bitmap[r >> 3] as number) | (1 << (r & 7));
  }
  return { bitmap, nulls };
}

function int32Column(rows: readonly Value[][], c: number) {
  const values = new Int32Array(rows.length);
  for (let r = 0; r < rows.length; r++) values[r] = (rows[r]?.[c] as number | null) ?? 0;
  const { bitmap, nulls } = validity(rows, c);
  return makeVector(
    makeData({ type: new Int32(), length: rows.length, nullCount: nulls, nullBitmap: bitmap, data: values }),
  );
}

function utf8Column(rows: readonly Value[][], c: number) {
  const texts: string[] = new Array(rows.length);
  const offsets = new Int32Array(rows.length + 1);
  let chars = 0;
  for (let r = 0; r < rows.length; r++) {
    const v = rows[r]?.[c];
    const t = v === null || v === undefined ? '' : text(v);
    texts[r] = t;
    chars += t.length;
    offsets[r + 1] = chars;
  }
  // One encode for the whole column; offsets counted in characters are byte offsets when all is ASCII.
  let data = encoder.encode(texts.join(''));
  if (data.length !== chars) {
    data = new Uint8Array(chars * 3);
    let at = 0;
    for (let r = 0; r < rows.length; r++) {
      at += encoder.encodeInto(texts[r] as string, data.subarray(at)).written ?? 0;
      offsets[r + 1] = at;
    }
    data = data.subarray(0, at);
  }
  const { bitmap, nulls } = validity(rows, c);
  return makeVector(
    makeData({
      type: new Utf8(),
      length: rows.length,
      nullCount: nulls,
      nullBitmap: bitmap,
      valueOffsets: offsets,
      data,
    }),
  );
}

/** Encodes `rows` (each `width` values wide) as one Arrow IPC stream with columns c0, c1, …. */
export function encodeArrowChunk(rows: readonly Value[][], width: number): ArrowChunk {
  const columns: Record<string, Vector> = {};
  const types: ArrowChunk['types'] = [];
  for (let c = 0; c < width; c++) {
    let ints = true;
    for (let r = 0; r < rows.length && ints; r++) {
      const v = rows[r]?.[c];
      if (v !== null && v !== undefined && !isInt32(v)) ints = false;
    }
    columns[`c${c}`] = ints ? int32Column(rows, c) : utf8Column(rows, c);
    types.push(ints ? 'INTEGER' : 'VARCHAR');
  }
  return { ipc: tableToIPC(new Table(columns), 'stream'), types, rows: rows.length };
}

/** Groups rows into Arrow chunks of at most `chunkRows` rows, so loads stream at any size. */
export async function* arrowChunks(
  rows: Iterable<Value[]> | AsyncIterable<Value[]>,
  width: number,
  chunkRows = 100_000,
): AsyncGenerator<ArrowChunk> {
  let batch: Value[][] = [];
  for await (const row of rows) {
    batch.push(row);
    if (batch.length >= chunkRows) {
      yield encodeArrowChunk(batch, width);
      batch = [];
    }
  }
  if (batch.length > 0) yield encodeArrowChunk(batch, width);
}
