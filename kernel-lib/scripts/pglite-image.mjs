/**
 * Writes the fresh-cluster image an in-memory PGlite starts from (src/backends/pglite-image.ts), so that
 * opening one unpacks it instead of running initdb. Run by `npm run build` after tsc.
 */
import { imagePath, writeImage } from '../dist/backends/pglite-image.js';

const started = performance.now();
const bytes = await writeImage();
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`PGlite image: ${imagePath()} (${(bytes / 1e6).toFixed(1)} MB, ${seconds} s)`);
