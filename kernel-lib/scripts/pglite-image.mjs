/**
 * Writes the fresh-cluster image an in-memory PGlite starts from (src/backends/pglite-image.ts), so that
 * opening one unpacks it instead of running initdb. Run by `npm run build` after tsc. The image is named by
 * PGlite's version and written whole or not at all, so one that exists is kept (`--force` writes it anew).
 */
import { existsSync } from 'node:fs';
import { imagePath, readImage, writeImage } from '../dist/backends/pglite-image.js';

const file = imagePath();
if (existsSync(file) && readImage(file) && !process.argv.includes('--force')) {
  console.log(`PGlite image: ${file} (kept)`);
} else {
  const started = performance.now();
  const bytes = await writeImage(file);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`PGlite image: ${file} (${(bytes / 1e6).toFixed(1)} MB, ${seconds} s)`);
}
