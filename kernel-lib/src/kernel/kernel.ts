/**
 * The "DT Lab (TypeScript)" Jupyter kernel: tslab, with magic cells routed to a MagicSession.
 *
 * tslab's kernel is three parts: a ZeroMQ server speaking the Jupyter protocol (ZmqServer), a handler that
 * queues execute requests (JupyterHandlerImpl) and an executor that type-checks, transpiles and runs a cell.
 * We reuse the first two as they are and wrap the executor: a cell that `isMagicCell` accepts runs on the
 * session (PGlite by default, a PostgreSQL server after `%dt connect postgres://…`), every other cell goes to
 * tslab's executor unchanged. A prelude run through tslab at start declares `dtlab` (kernel-lib's API) and
 * `dt` (the same session the magics use), so TypeScript cells see what the magics built, typed.
 *
 * Magic outputs are display_data messages carrying the kernel-lib MIME bundles (each with text/plain); DAG
 * and lag outputs get a display id and follow the scheduler's events through update_display_data (live.ts).
 * A failing magic cell sends a Jupyter error (ename = DT Lab error code, the SQL line:column and a caret in
 * the traceback) and an execute_reply with status "error" carrying the same fields; ZmqServer.handleExecute
 * is overridden only to add those.
 *
 * tslab is CommonJS and has no public API for any of this: we load its dist modules by path, pinned to the
 * exact version in kernel-lib/package.json (1.0.22), whose source these hooks were written against.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type * as TslabConverter from 'tslab/dist/converter.js';
import type * as TslabExecutor from 'tslab/dist/executor.js';
import type * as TslabJupyter from 'tslab/dist/jupyter.js';
import { redactSpec } from '../backends/backend.js';
import type { OutputBundle } from '../display/bundle.js';
import { type ErrorOutput, errorOutput } from '../display/error.js';
import { nodeSession } from '../magics/node.js';
import { isMagicCell } from '../magics/parse.js';
import type { MagicSession } from '../magics/session.js';
import { LiveDisplays } from './live.js';
import { followProgress } from './progress.js';

const require = createRequire(import.meta.url);
const jupyter = require('tslab/dist/jupyter.js') as typeof TslabJupyter;
const { createExecutor } = require('tslab/dist/executor.js') as typeof TslabExecutor;
const { createConverter } = require('tslab/dist/converter.js') as typeof TslabConverter;

type WriteDisplayData = typeof TslabJupyter.lastWriteDisplayData;
type DisplayData = Parameters<WriteDisplayData>[0];
type ZmqMessage = Parameters<TslabJupyter.ZmqServer['handleExecute']>[1];

/** The environment variable naming the database magic cells use until `%dt connect` (default pglite). */
export const KERNEL_DB_ENV = 'DTLAB_KERNEL_DB';

/** Where TypeScript cells find the kernel's session: the prelude reads it from here. */
const GLOBAL_KEY = '__dtlab_kernel__';

export interface KernelOptions {
  /** The connection file Jupyter passes ({connection_file}). */
  configPath: string;
  /** The database until `%dt connect` (default: $DTLAB_KERNEL_DB, else pglite). */
  defaultSpec?: string;
  /** Open the default database while the kernel starts, before the first cell asks (default true). */
  openAtStart?: boolean;
}

/** tslab's ConverterSetImpl (not exported): converters made on first use, the Node one warmed at start. */
class Converters implements TslabExecutor.ConverterSet {
  private nodeConverter: TslabConverter.Converter | undefined;
  private browserConverter: TslabConverter.Converter | undefined;
  get node(): TslabConverter.Converter {
    this.nodeConverter ??= createConverter({ isJS: false, isBrowser: false });
    return this.nodeConverter;
  }
  get browser(): TslabConverter.Converter {
    this.browserConverter ??= createConverter({ isJS: false, isBrowser: true });
    return this.browserConverter;
  }
  close(): void {
    this.nodeConverter?.close();
    this.browserConverter?.close();
  }
}

/** The TypeScript run before the first cell: `dtlab` is kernel-lib's API, `dt` the magics' session. */
export function preludeSource(): string {
  // An absolute path, so the prelude resolves wherever the notebook (the kernel's cwd) is.
  const entry = fileURLToPath(new URL('../index.js', import.meta.url));
  return [
    `import * as dtlab from ${JSON.stringify(entry)};`,
    `const dt: dtlab.magics.MagicSession = (globalThis as any).${GLOBAL_KEY}.session;`,
  ].join('\n');
}

export interface DtLabKernel {
  session: MagicSession;
  live: LiveDisplays;
  /** Resolves when the prelude ran (true) or failed (false; magic cells still work). */
  ready: Promise<boolean>;
}

export function startKernel(options: KernelOptions): DtLabKernel {
  const defaultSpec = options.defaultSpec ?? (process.env[KERNEL_DB_ENV] || 'pglite');
  /**
   * What we know of each execute request, keyed by its display writer: tslab makes one per request and
   * publishes the current one as `lastWriteDisplayData` just before it calls the executor.
   */
  const requests = new WeakMap<WriteDisplayData, RequestContext>();
  const currentWriter = (): WriteDisplayData | null => jupyter.lastWriteDisplayData;

  const live = new LiveDisplays((id, bundle) => {
    // Updates go out with the latest request as parent: front ends update a display id in any cell.
    currentWriter()?.(displayData(bundle, id), true);
  });
  const session = nodeSession({ defaultSpec, onConnected: (c) => live.follow(c) });
  (globalThis as Record<string, unknown>)[GLOBAL_KEY] = { session, live };

  const convs = new Converters();
  const inner = createExecutor(process.cwd(), convs, { log: console.log, error: console.error });

  async function runMagic(src: string): Promise<boolean> {
    const write = currentWriter();
    const request = write ? requests.get(write) : undefined;
    // A long cell shows its progress; SIGINT (Jupyter's interrupt) stops it: executor.interrupt below.
    const progress = followProgress(
      {
        show: (text, id, update) =>
          write?.(displayData({ data: { 'text/plain': text }, metadata: {} }, id), update),
        clear: () => request?.clear(),
      },
      () => session.clock.now(),
    );
    try {
      const bundles = (await session.run(src, { onProgress: progress.report }).finally(progress.stop)) ?? [];
      for (const b of bundles) write?.(displayData(b, live.register(b)), false);
      live.flush();
      return true;
    } catch (e) {
      live.flush();
      if (request) request.failure = errorOutput(e);
      return false;
    }
  }

  /**
   * Start-up order, for the first result: the sockets are bound first (Jupyter's kernel_info gets its answer
   * at once), then the default database starts opening (through the session's queue, so a first cell's
   * `%dt connect` simply follows it; PGlite compiles its WebAssembly off the main thread), then the prelude
   * warms the TypeScript converter (about 1-3 s of synchronous work). Cells wait for the prelude.
   */
  let started: () => void = () => undefined;
  const socketsBound = new Promise<void>((resolve) => {
    started = resolve;
  });
  const prelude = socketsBound
    .then(() => new Promise((resolve) => setImmediate(resolve)))
    .then(() => {
      if (options.openAtStart !== false)
        void session.run(`%dt connect ${defaultSpec}`).catch(() => undefined); // a failure shows on first use
      return inner.execute(preludeSource());
    })
    .then((ok) => {
      if (!ok) console.error('dtlab kernel: the prelude failed; `dt` and `dtlab` are not declared in cells');
      return ok;
    });
  const executor: TslabExecutor.Executor = {
    ...inner,
    execute: async (src) => {
      await prelude;
      // tslab counts the request just before calling us but sends no execute_input: front ends take the
      // cell's prompt number from that message.
      const write = currentWriter();
      const request = write ? requests.get(write) : undefined;
      request?.announce((handler as unknown as { execCount: number }).execCount);
      const ok = await (isMagicCell(src) ? runMagic(src) : inner.execute(src));
      if (ok || !request || request.stopOnError) return ok;
      // stop_on_error false (nbclient's allow_errors): tslab would abort the requests that follow a failure
      // (its queue rejects them for 200 ms), so report success to it; our reply still says "error".
      request.failure ??= TYPESCRIPT_FAILURE;
      return true;
    },
    interrupt: () => {
      // Stops the magic cell running (a clock step, a load) between two units of work, and those queued in the
      // session; pauses `%dt clock run` (magics/session.ts).
      session.interrupt();
      inner.interrupt();
    },
    close: () => {
      inner.close();
      live.close();
      // The database (a PGlite, a server pool) keeps Node alive: close it, then leave once the replies went.
      void session
        .close()
        .catch(() => undefined)
        .finally(() => setTimeout(() => process.exit(0), 100));
    },
  };

  const handler = new jupyter.JupyterHandlerImpl(executor, false);
  const kernelInfo = handler.handleKernel.bind(handler);
  handler.handleKernel = () => ({
    ...kernelInfo(),
    implementation: 'dtlab',
    banner: `DT Lab (TypeScript): magics on ${redactSpec(defaultSpec)} (%dt connect to change), TypeScript via tslab`,
  });

  class DtLabServer extends jupyter.ZmqServer {
    /** tslab's handleExecute, plus the error message and the error fields of a failed magic cell's reply. */
    override async handleExecute(sock: unknown, msg: ZmqMessage): Promise<void> {
      const key = this.connInfo.key;
      const writeStream = (name: string, text: string) => {
        const m = msg.createReply();
        m.header.msg_type = 'stream';
        m.content = { name, text };
        m.signAndSend(key, this.iopub);
      };
      const writeDisplayData: WriteDisplayData = (data, update) => {
        const m = msg.createReply();
        m.header.msg_type = update ? 'update_display_data' : 'display_data';
        m.content = data;
        m.signAndSend(key, this.iopub);
      };
      const req = msg.content as { code: string; stop_on_error?: boolean };
      const request: RequestContext = {
        stopOnError: req.stop_on_error !== false,
        clear: () => {
          const m = msg.createReply();
          m.header.msg_type = 'clear_output';
          m.content = { wait: true };
          m.signAndSend(key, this.iopub);
        },
        announce: (count) => {
          const m = msg.createReply();
          m.header.msg_type = 'execute_input';
          m.content = { code: req.code, execution_count: count };
          m.signAndSend(key, this.iopub);
        },
      };
      requests.set(writeDisplayData, request);
      const content: Record<string, unknown> = {
        ...(await this.handler.handleExecute(
          msg.content as Parameters<TslabJupyter.JupyterHandlerImpl['handleExecute']>[0],
          writeStream,
          writeDisplayData,
        )),
      };
      const failure = request.failure;
      if (content.status === 'error' || failure) {
        if (failure && failure !== TYPESCRIPT_FAILURE) {
          const m = msg.createReply();
          m.header.msg_type = 'error';
          m.content = { ...failure };
          m.signAndSend(key, this.iopub);
        }
        Object.assign(content, { status: 'error' }, failure ?? TYPESCRIPT_FAILURE);
      }
      const reply = msg.createReply();
      reply.header.msg_type = 'execute_reply';
      reply.content = content;
      reply.signAndSend(key, sock);
    }
  }

  const server = new DtLabServer(handler, options.configPath);
  process.on('SIGINT', () => executor.interrupt());
  // As tslab: a stray rejection in a cell's code must not take the kernel (and the session) down.
  process.on('uncaughtException', (err) => console.error('UncaughtException:', err));
  process.on('unhandledRejection', (reason) => console.error('UnhandledPromiseRejection:', reason));

  server.init().then(started, (e: unknown) => {
    console.error('dtlab kernel: cannot bind the Jupyter sockets:', e);
    process.exit(1);
  });
  return { session, live, ready: prelude };
}

interface RequestContext {
  stopOnError: boolean;
  /** Sends the request's execute_input (the cell's prompt number) once tslab has counted it. */
  announce: (count: number) => void;
  /** Sends clear_output (wait): the progress line goes when the cell's outputs come. */
  clear: () => void;
  failure?: ErrorOutput;
}

/**
 * A TypeScript cell's failure: tslab has written its diagnostics or exception to the cell's stderr, so the
 * reply only says it failed (no second error output).
 */
const TYPESCRIPT_FAILURE: ErrorOutput = {
  ename: 'Error',
  evalue: 'the TypeScript cell failed (its diagnostics or exception are in the output above)',
  traceback: [],
};

function displayData(bundle: OutputBundle, id: string | undefined): DisplayData {
  return {
    data: bundle.data,
    metadata: bundle.metadata,
    ...(id ? { transient: { display_id: id } } : {}),
  } as unknown as DisplayData;
}
