/**
 * The Node runtimes' magic session (the tslab kernel, tests): `%dt connect` opens any database `openBackend`
 * knows — pglite (the default, embedded), pglite:DIR, postgres://…, duckdb. Not exported from index.ts: the
 * browser entry re-exports that file and must not pull the Node backends into the page.
 */
import { openBackend } from '../backends/open.js';
import { MagicSession, type MagicSessionOptions } from './session.js';

export function nodeSession(options: Partial<MagicSessionOptions> = {}): MagicSession {
  return new MagicSession({ open: openBackend, defaultSpec: 'pglite', ...options });
}
