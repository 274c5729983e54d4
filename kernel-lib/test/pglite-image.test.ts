/**
 * An in-memory PGlite starts from the build's fresh-cluster image instead of running initdb
 * (src/backends/pglite-image.ts): the image is really what it starts from, a bad image falls back to
 * initdb, and the image the build writes is a working, empty cluster named by PGlite's version.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe, expect, it } from 'vitest';
import { PgliteBackend } from '../src/backends/pglite.js';
import { imagePath, readImage, writeImage } from '../src/backends/pglite-image.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dtlab-pglite-image-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('PGlite image', () => {
  it('an in-memory database starts from the image it is given', async () => {
    const source = await PGlite.create();
    await source.exec('CREATE TABLE marker (v TEXT); INSERT INTO marker VALUES ($$from the image$$)');
    const image = await source.dumpDataDir('none');
    await source.close();

    const backend = await PgliteBackend.open(undefined, image);
    try {
      expect((await backend.query('SELECT v FROM marker')).rows).toEqual([['from the image']]);
      await backend.query('INSERT INTO marker VALUES ($1)', ['written after']);
      expect((await backend.query('SELECT count(*) FROM marker')).rows[0]?.[0]).toBe(2);
    } finally {
      await backend.close();
    }
  });

  it('a file that is not a gzipped tar is no image (initdb then runs)', () => {
    const garbage = path.join(dir, 'garbage.tar.gz');
    writeFileSync(garbage, new Uint8Array(4096).fill(7));
    expect(readImage(garbage)).toBeUndefined();
    const notTar = path.join(dir, 'not-tar.tar.gz');
    writeFileSync(notTar, gzipSync(Buffer.alloc(4096, 7)));
    expect(readImage(notTar)).toBeUndefined();
    expect(readImage(path.join(dir, 'missing.tar.gz'))).toBeUndefined();
  });

  it('writes a fresh, empty cluster that reads back through readImage', async () => {
    const file = path.join(dir, 'image.tar.gz');
    expect(readImage(file)).toBeUndefined();
    expect(await writeImage(file)).toBeGreaterThan(0);
    const backend = await PgliteBackend.open(undefined, readImage(file));
    try {
      const tables = await backend.query(
        "SELECT count(*) FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')",
      );
      expect(tables.rows[0]?.[0]).toBe(0);
      expect((await backend.query('SELECT current_user')).rows[0]?.[0]).toBe('postgres');
    } finally {
      await backend.close();
    }
  });

  it('is named by the installed PGlite version', () => {
    const pkg = path.join(path.dirname(require.resolve('@electric-sql/pglite')), '..', 'package.json');
    const version = JSON.parse(readFileSync(pkg, 'utf8')).version;
    expect(path.basename(imagePath())).toBe(`pglite-${version}.tar.gz`);
    expect(path.basename(path.dirname(imagePath()))).toBe('dist');
  });
});
