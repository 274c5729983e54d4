#!/usr/bin/env node
/**
 * Scenario A in the JupyterLite build, in Debian's Chromium: serves the built site (lite/, or the folder in
 * DTLAB_LITE_DIR) with a plain static file server — no Jupyter server at all — opens
 * notebooks/scenario-a.ipynb there, runs all cells, and checks what the JupyterLab e2e checks: every cell
 * finished without an error, the DAG shows both dynamic tables, the lag chart has points, the histories show
 * INCREMENTAL and FULL. Prints the cold start (page open → DuckDB ready → SF 0.01 loaded → first DT) and saves
 * screenshots to /tmp/dtlab-lite-*.png. Exits non-zero on any failure, including when it cannot run.
 *
 * Needs the site built: `npm run build:lite` (npm run test:e2e builds it first).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, need, serveStatic } from '../../scripts/browser.mjs';
import { checkOtherLessons } from './lessons.mjs';
import {
  checkLive,
  checkScenarioA,
  dumpFailure,
  openAndRunAll,
  reportTimings,
  watchPage,
} from './notebook.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const LITE = path.resolve(process.env.DTLAB_LITE_DIR ?? path.join(ROOT, 'lite'));
const LABEXTENSION = path.join(ROOT, 'extension', 'dtlab_jupyterlab', 'labextension');
const NOTEBOOK = 'scenario-a.ipynb';

/**
 * The site has no kernel: a cell that is not a magic gets an error saying so (and what does run) rather
 * than a kernel dialog, and the notebook keeps working.
 */
async function checkNoKernelCell(page) {
  const source = 'print("this needs a kernel")';
  await page.locator('.jp-Notebook .jp-Cell').last().click();
  await page.keyboard.press('Escape');
  await page.keyboard.press('b'); // a new code cell below, in command mode
  await page.keyboard.press('Enter');
  await page.keyboard.type(source);
  await page.keyboard.press('Shift+Enter');
  const cell = page.locator('.jp-CodeCell', { hasText: source });
  const error = cell.locator('[data-mime-type="application/vnd.jupyter.stderr"]');
  const shown = await error
    .waitFor({ timeout: 10_000 })
    .then(() => error.textContent())
    .catch(() => null);
  const failures = [];
  if (!shown?.includes('NoKernel') || !shown.includes('%%dynamic_table'))
    failures.push(`a non-magic cell did not get the no-kernel error: ${shown}`);
  if (await page.locator('.jp-Dialog').count()) failures.push('a non-magic cell opened a dialog');
  await cell.screenshot({ path: '/tmp/dtlab-lite-no-kernel.png' });
  return failures;
}

async function main() {
  need(path.join(LITE, 'jupyter-lite.json'), 'run `npm run build:lite`');
  // The site must carry the labextension just built, not an older one.
  const built = JSON.parse(await readFile(path.join(LABEXTENSION, 'package.json'), 'utf8'));
  const site = JSON.parse(await readFile(path.join(LITE, 'jupyter-lite.json'), 'utf8'));
  const ours = site['jupyter-config-data'].federated_extensions?.find((e) => e.name === built.name);
  if (ours?.load !== built.jupyterlab._build.load)
    throw new Error(`${LITE} does not hold the labextension just built: run \`npm run build:lite\``);

  const server = await serveStatic([['/', LITE]], { log: (line) => console.warn(`server: ${line}`) });
  let browser;
  let pageForFailure;
  const failures = [];
  try {
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const outside = watchPage(page, server.origin);
    pageForFailure = page;
    const { cells, clickedAt } = await openAndRunAll(
      page,
      `${server.origin}/lab/index.html?path=${NOTEBOOK}`,
    );
    for (const c of cells)
      if (c.errors.length) failures.push(`cell ${c.prompt} ${c.source}: ${c.errors.join(' ')}`);
    if (cells.length < 5) failures.push(`only ${cells.length} code cells ran`);
    failures.push(...(await checkScenarioA(page, 'dtlab-lite')));
    // Timings first: checkLive runs one more magic (%dt clock +30m) that is not a notebook cell.
    await reportTimings(page, clickedAt);
    failures.push(...(await checkLive(page, 'dtlab-lite')));
    failures.push(...(await checkNoKernelCell(page)));
    await page.screenshot({ path: '/tmp/dtlab-lite-notebook.png', fullPage: true });
    if (outside.length) failures.push(`requests left the server: ${outside.slice(0, 5).join(', ')}`);
    failures.push(
      ...(await checkOtherLessons(
        browser,
        (name) => `${server.origin}/lab/index.html?path=${name}`,
        server.origin,
        'dtlab-lite',
      )),
    );
  } catch (e) {
    await dumpFailure(pageForFailure, '/tmp/dtlab-lite-failure.png');
    throw e;
  } finally {
    await browser?.close();
    await server.close();
  }
  if (failures.length) throw new Error(failures.join('\n'));
  console.log(
    'lite: scenario A ran in JupyterLite without errors; the DAG shows both DTs and follows the clock; the lag chart has points; the history shows INCREMENTAL and FULL; the comparison says same contents; Scenario B and the gallery ran with every check passing',
  );
}

main().catch((e) => {
  console.error(`lite test failed: ${e.stack ?? e}`);
  process.exit(1);
});
