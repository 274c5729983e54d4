/**
 * The Node runtimes' magic session (the tslab kernel, tests): `%dt connect` opens any database `openBackend`
 * knows — pglite (the default, embedded), pglite:DIR, postgres://…, duckdb. Not exported from index.ts: the
 * browser entry re-exports that file and must not pull the Node backends into the page.
 */
import { type Backend, redactSpec } from '../backends/backend.js';
import { openBackend } from '../backends/open.js';
import { DtError } from '../errors.js';
import { MagicSession, type MagicSessionOptions } from './session.js';

/** How long `%dt connect postgres://…` waits for the server before giving up (default). */
export const CONNECT_TIMEOUT_MS = 15_000;

export interface NodeSessionOptions extends Partial<MagicSessionOptions> {
  /** Give up on a server that does not answer after this long (node-postgres itself would wait forever). */
  connectTimeoutMs?: number;
}

export function nodeSession(options: NodeSessionOptions = {}): MagicSession {
  const { connectTimeoutMs = CONNECT_TIMEOUT_MS, ...rest } = options;
  return new MagicSession({
    open: (spec) =>
      /^postgres(ql)?:\/\//.test(spec) ? withTimeout(spec, connectTimeoutMs) : openBackend(spec),
    defaultSpec: 'pglite',
    ...rest,
  });
}

/**
 * Opens a server database, failing with DT_ERR_BACKEND when it does not answer in `ms` (a host that drops
 * packets, a port where something else listens and says nothing). A late success is closed, not leaked.
 */
function withTimeout(spec: string, ms: number): Promise<Backend> {
  const opening = openBackend(spec);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      opening.then((b) => b.close()).catch(() => undefined);
      reject(
        new DtError(
          'DT_ERR_BACKEND',
          `cannot open ${redactSpec(spec)}: no answer from the server in ${ms / 1000} s`,
        ),
      );
    }, ms);
  });
  return Promise.race([opening, timeout]).finally(() => clearTimeout(timer));
}
