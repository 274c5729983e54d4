/**
 * The lessons other than Scenario A (which e2e.mjs, lite.mjs and kernel.mjs check widget by widget), in a
 * browser: each in a fresh page (a fresh engine: Scenario B renames columns of orders), Run All, and every
 * cell must finish without an error and every `%dt check` cell must say "passed" (a wrong answer would be an
 * error). The reference solutions are in the notebooks, collapsed; Run All runs them.
 */
import { createServer } from 'node:http';
import { dismissKernelDialogs, dumpFailure, openAndRunAll, watchPage } from './notebook.mjs';

export const OTHER_LESSONS = [
  'scenario-a-exercises.ipynb',
  'scenario-b.ipynb',
  'scenario-c.ipynb',
  'gallery.ipynb',
  'scenario-d.ipynb',
];

/** Scenario C's webhook integration posts to this receiver (scripts/webhook_receiver.py for learners). */
const WEBHOOK = 'http://127.0.0.1:8765/';

/**
 * A webhook receiver as the page needs it: it answers the CORS preflight (the page posts JSON with an
 * Idempotency-Key header) and records each POST.
 */
async function webhookReceiver() {
  const posts = [];
  const server = createServer((req, res) => {
    const cors = {
      'Access-Control-Allow-Origin': '*',
      'Access-Control-Allow-Methods': 'POST, OPTIONS',
      'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] ?? 'content-type',
      'Access-Control-Allow-Private-Network': 'true',
    };
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      if (req.method === 'POST') posts.push({ url: req.url, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(req.method === 'OPTIONS' ? 204 : 200, cors).end(req.method === 'POST' ? 'ok' : '');
    });
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(8765, '127.0.0.1', resolve);
  });
  return {
    posts,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The median and the slowest magic cell, as the page's runtime timed them (execution, queue wait excluded;
 * window.dtlab, as e2e.mjs reports Scenario A's): issue 13's per-lesson goals are a median under 300 ms and
 * no cell over 10 s. Empty where the page has no runtime of its own.
 */
async function cellSpread(page) {
  const timings = await page.evaluate(() => window.dtlab?.session.timings ?? []);
  if (timings.length === 0) return '';
  const sorted = [...timings].sort((a, b) => a.ms - b.ms);
  const median = sorted[Math.floor((sorted.length - 1) / 2)].ms;
  const slowest = sorted[sorted.length - 1];
  const cell = slowest.cell.split('\n')[0].slice(0, 40);
  return `; median cell ${median.toFixed(0)} ms, slowest ${(slowest.ms / 1000).toFixed(2)} s (${cell})`;
}

/** Runs each lesson at `urlFor(name)`; returns the failures. `prefix` names the screenshots. */
export async function checkOtherLessons(browser, urlFor, origin, prefix) {
  const failures = [];
  for (const name of OTHER_LESSONS) {
    // A context of its own: no state of the lessons before (JupyterLite keeps its workspace in the browser).
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    const webhook = name === 'scenario-c.ipynb' ? await webhookReceiver() : undefined;
    const outside = watchPage(page, origin);
    const started = Date.now();
    try {
      const { cells } = await openAndRunAll(page, urlFor(name));
      await dismissKernelDialogs(page);
      for (const c of cells)
        if (c.errors.length) failures.push(`${name} cell ${c.prompt} ${c.source}: ${c.errors.join(' ')}`);
      const checks = await page.evaluate(() =>
        [...document.querySelectorAll('.jp-CodeCell')]
          .filter((c) => /%dt check/.test(c.querySelector('.jp-InputArea-editor')?.textContent ?? ''))
          .map((c) => c.querySelector('.jp-OutputArea')?.textContent ?? ''),
      );
      if (checks.length === 0) failures.push(`${name}: no %dt check cell ran`);
      for (const out of checks)
        if (!/: passed/.test(out)) failures.push(`${name}: a check did not pass: ${out.slice(0, 300)}`);
      if (webhook) {
        // The escalation is delivered by the page's fetch, after the cell that escalated: wait for it.
        const escalated = () => webhook.posts.some((p) => p.body.includes('quality_clean_orders'));
        for (let i = 0; i < 100 && !escalated(); i++) await page.waitForTimeout(100);
        if (!escalated())
          failures.push(`${name}: the webhook receiver got no escalation (${webhook.posts.length} POSTs)`);
      }
      const left = outside.filter((u) => !(webhook && u.startsWith(WEBHOOK)));
      if (left.length) failures.push(`${name}: requests left the server: ${left.slice(0, 5).join(', ')}`);
      await page.screenshot({ path: `/tmp/${prefix}-${name.replace('.ipynb', '')}.png`, fullPage: true });
      console.log(
        `${name}: ${cells.length} code cells, ${checks.length} checks, ${((Date.now() - started) / 1000).toFixed(1)} s${await cellSpread(page)}`,
      );
    } catch (e) {
      await dumpFailure(page, `/tmp/${prefix}-${name.replace('.ipynb', '')}-failure.png`);
      failures.push(`${name}: ${e.message ?? e}`);
    } finally {
      await webhook?.close();
      await context.close();
    }
  }
  return failures;
}
