/**
 * What every browser test and benchmark here shares: Debian's Chromium launched headless through
 * playwright-core with the flags the brief names (no browser is ever downloaded), a free local port, waiting
 * for a server to answer, and a plain static file server (a folder any static host could serve: no rewrites,
 * no server logic beyond `dir/` → `dir/index.html`).
 *
 * Used by extension/test/e2e.mjs (JupyterLab), extension/test/lite.mjs (the JupyterLite build) and
 * kernel-lib/bench/browser/run.mjs (DuckDB-WASM load benchmark).
 */
import { createReadStream, existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.DTLAB_CHROMIUM ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Fails with a hint when a file a test needs is missing: a test that cannot run fails, it never skips. */
export function need(file, hint) {
  if (!existsSync(file)) throw new Error(`${file} is missing: ${hint}`);
}

/** Launches the system Chromium headless; `extraArgs` are appended to the brief's flags. */
export function launchChromium({ extraArgs = [] } = {}) {
  need(CHROMIUM, 'run `bash scripts/install-browser.sh`');
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 2xx; fails early when `child` (a spawned server) has exited. */
export async function waitForServer(url, ms, child) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`nothing answered at ${url} within ${ms / 1000} s`);
}

export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.ipynb': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

/**
 * A static file server on 127.0.0.1 and a free port. `mounts` are [urlPrefix, directory] pairs, tried in
 * order (put longer prefixes first); a path naming a directory serves its index.html. Nothing outside the
 * mounted directories is served. `log(line)` hears each 404. Resolves to { server, origin, close() }.
 */
export function serveStatic(mounts, { log = () => {} } = {}) {
  const roots = mounts.map(([prefix, dir]) => [prefix, path.resolve(dir)]);
  const server = createHttpServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const mount = roots.find(([prefix]) => url.pathname.startsWith(prefix));
    let file;
    if (mount) {
      const [prefix, root] = mount;
      const resolved = path.resolve(root, `.${decodeURIComponent(url.pathname.slice(prefix.length - 1))}`);
      if (resolved === root || resolved.startsWith(root + path.sep)) file = resolved;
    }
    let info = file ? await stat(file).catch(() => undefined) : undefined;
    if (info?.isDirectory()) {
      file = path.join(file, 'index.html');
      info = await stat(file).catch(() => undefined);
    }
    if (!file || !info?.isFile()) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      log(`404 ${url.pathname}`);
      return;
    }
    res.writeHead(200, {
      'content-type': MIME[path.extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      'cache-control': 'no-store',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({
        server,
        origin: `http://127.0.0.1:${port}`,
        close: () =>
          new Promise((r) => {
            server.close(() => r());
            server.closeAllConnections();
          }),
      });
    });
  });
}
