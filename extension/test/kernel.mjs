#!/usr/bin/env node
/**
 * Scenario A in JupyterLab on the DT Lab (TypeScript) kernel — the kernel runtime — in Debian's Chromium:
 * the notebook's kernelspec is set to `dtlab-ts`, whose kernelspec says it runs magic cells itself, so the
 * extension's cell executor hands every cell to the kernel (PGlite in Node) instead of the page's DuckDB-WASM.
 * Checks: every cell finished without an error; the page started no engine of its own (window.dtlab unset);
 * the extension's renderers draw the kernel's outputs — the DAG shows both DTs, the lag chart has points,
 * the histories show INCREMENTAL and FULL, the comparison says same contents; the histories drawn before
 * `%dt refresh` took its MANUAL refresh (the kernel's update_display_data). Screenshots: /tmp/dtlab-kernel-*.png.
 * Exits non-zero on any failure, including when it cannot run (no kernelspec: `npm run setup` installs it).
 */
import path from 'node:path';
import { launchChromium, need } from '../../scripts/browser.mjs';
import { checkInstalled, JUPYTER, lessonNotebook, startLab } from './lab.mjs';
import {
  checkHistoriesFollowed,
  checkScenarioA,
  dumpFailure,
  openAndRunAll,
  watchPage,
} from './notebook.mjs';

const KERNEL = 'dtlab-ts';
const NOTEBOOK = 'scenario-a-kernel.ipynb';

/** Waits until the notebook's kernel is the DT Lab kernel and idle: only then does the executor see it. */
async function kernelReady(page) {
  await page.waitForFunction(
    () =>
      /DT Lab/.test(document.querySelector('.jp-KernelName, .jp-Toolbar-kernelName')?.textContent ?? '') &&
      document.querySelector('.jp-Notebook-ExecutionIndicator[data-status="idle"]') !== null,
    undefined,
    { timeout: 120_000, polling: 250 },
  );
}

async function main() {
  await checkInstalled();
  const spec = path.join(path.dirname(path.dirname(JUPYTER)), 'share/jupyter/kernels', KERNEL, 'kernel.json');
  need(spec, 'run `npm run setup` (it installs the DT Lab kernel into .venv)');
  const nb = await lessonNotebook('scenario-a.ipynb');
  nb.metadata.kernelspec = { name: KERNEL, display_name: 'DT Lab (TypeScript)', language: 'typescript' };
  nb.metadata.language_info = { name: 'typescript' };
  let lab;
  let browser;
  let pageForFailure;
  const failures = [];
  try {
    lab = await startLab({ [NOTEBOOK]: nb });
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const outside = watchPage(page, lab.base);
    pageForFailure = page;
    const started = Date.now();
    const { cells } = await openAndRunAll(page, lab.url(NOTEBOOK), { beforeRun: kernelReady });
    console.log(
      `kernel: all ${cells.length} cells ran in ${((Date.now() - started) / 1000).toFixed(1)} s (kernel start included)`,
    );
    for (const c of cells)
      if (c.errors.length) failures.push(`cell ${c.prompt} ${c.source}: ${c.errors.join(' ')}`);
    if (await page.evaluate(() => window.dtlab !== undefined))
      failures.push('the page started its own engine: magic cells did not all go to the kernel');
    failures.push(...(await checkScenarioA(page, 'dtlab-kernel', { pageEngine: false })));
    failures.push(...(await checkHistoriesFollowed(page)));
    await page.screenshot({ path: '/tmp/dtlab-kernel-notebook.png', fullPage: true });
    if (outside.length) failures.push(`requests left the server: ${outside.slice(0, 5).join(', ')}`);
  } catch (e) {
    await dumpFailure(pageForFailure, '/tmp/dtlab-kernel-failure.png');
    throw e;
  } finally {
    await browser?.close();
    await lab?.stop();
  }
  if (failures.length) throw new Error(failures.join('\n'));
  console.log(
    'kernel: scenario A ran on the DT Lab kernel in JupyterLab without errors; the extension drew its DAG, lag chart, histories (live) and comparison',
  );
}

main().catch((e) => {
  console.error(`kernel e2e failed: ${e.stack ?? e}`);
  process.exit(1);
});
