/**
 * Bundles the `dtlab` command (src/cli/main.ts) into dist/bundle/, for start-up time: Node then reads a few
 * files instead of ~200 modules, and no CommonJS export scan runs over node-sql-parser or rxjs. Code split at
 * each dynamic import, so a command loads only its part (the engine, one backend, the TPC-H commands).
 * Packages that locate files next to themselves at run time (DuckDB-WASM's worker and .wasm, PGlite's
 * .wasm and data) and tslab stay external and load from node_modules. dist/bundle/ sits at the same depth
 * as dist/cli/, so paths the sources compute from import.meta.url (../../../data/) still resolve.
 * Run by `npm run build` after tsc; dist/ (tsc's output) stays the library that `@dtlab/kernel-lib` exports.
 */
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/bundle`;
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { dtlab: `${root}src/cli/main.ts` },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  external: ['@duckdb/duckdb-wasm', '@electric-sql/pglite', 'tslab', 'pg-native'],
  // CommonJS code inlined into an ES module (pg, node-sql-parser) calls require for Node's built-ins.
  banner: {
    js: "import { createRequire as __dtlabRequire } from 'node:module';\nconst require = __dtlabRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
