/**
 * The repository's root, for the files the CLI reads from it (data/, content/). Resolved from this module,
 * which sits at the same depth in dist/ (tsc: dist/cli/) and in the bundle (dist/bundle/, whichever chunk
 * it lands in), so modules deeper down (cli/bench/) ask here instead of counting `../` themselves.
 */
import { fileURLToPath } from 'node:url';

export const repoFile = (path: string): string => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
