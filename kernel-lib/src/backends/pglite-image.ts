/**
 * A fresh PGlite cluster as a file, so that an in-memory PGlite starts by unpacking it instead of running
 * initdb: initdb in WASM takes 3–9 s on this machine, unpacking the image about 1 s. The build writes the
 * image (`npm run build -w kernel-lib` → scripts/pglite-image.mjs → writeImage) to
 * kernel-lib/dist/pglite-<version>.tar.gz, named by the installed PGlite's version so that an image of
 * another version is never loaded. No image (a source checkout not built yet) means initdb, as before.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';

/** The installed PGlite's version, read from its package.json (its exports do not list that file). */
function pgliteVersion(): string {
  let dir = path.dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return String(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version);
}

/**
 * Where the image of the installed PGlite lives: kernel-lib/dist/, reached the same way from src/backends/,
 * dist/backends/ and dist/bundle/ (each two levels below kernel-lib/).
 */
export function imagePath(): string {
  return fileURLToPath(new URL(`../../dist/pglite-${pgliteVersion()}.tar.gz`, import.meta.url));
}

/**
 * The image as PGlite's `loadDataDir` takes it (an uncompressed tar), or undefined when there is none or the
 * file is not a gzipped tar (then PGlite runs initdb).
 */
export function readImage(file = imagePath()): Blob | undefined {
  if (!existsSync(file)) return undefined;
  try {
    // Node's zlib unpacks in a fraction of the time PGlite's own gzip path takes.
    const tar = gunzipSync(readFileSync(file));
    return tar.toString('latin1', 257, 262) === 'ustar' ? new Blob([tar]) : undefined;
  } catch {
    return undefined;
  }
}

/** Runs initdb once and writes the fresh cluster to `file` (whole or not at all); returns its size in bytes. */
export async function writeImage(file = imagePath()): Promise<number> {
  const db = await PGlite.create();
  try {
    // A checkpoint first, so that a start from the image has no WAL to replay.
    await db.exec('CHECKPOINT');
    const image = Buffer.from(await (await db.dumpDataDir('gzip')).arrayBuffer());
    writeFileSync(`${file}.partial`, image);
    renameSync(`${file}.partial`, file);
    return image.length;
  } finally {
    await db.close();
  }
}
