#!/usr/bin/env node
/**
 * End to end, in a real JupyterLab and Debian's Chromium: opens notebooks/scenario-a.ipynb, runs all cells,
 * and checks that every cell finished without an error, that the DAG widget shows both dynamic tables, that
 * the lag chart has points and that the history widgets show INCREMENTAL and FULL refreshes. Prints the cold start (page open → DuckDB
 * ready → TPC-H SF 0.01 loaded → first DT created) and each magic cell's execution time; saves screenshots
 * to /tmp/dtlab-e2e-*.png. Exits non-zero on any failure, including when it cannot run (no JupyterLab in
 * .venv, no /usr/bin/chromium, no built labextension): it never skips.
 *
 * Needs the Python requirements in .venv (`npm run setup`) and the labextension built and pip-installed into
 * it (`npm run test:e2e` does both first); a stale installed copy is refused, not tested.
 */
import { launchChromium } from '../../scripts/browser.mjs';
import { checkInstalled, lessonNotebook, startLab } from './lab.mjs';
import { checkOtherLessons, OTHER_LESSONS } from './lessons.mjs';
import { checkMonitor } from './monitor.mjs';
import {
  checkLive,
  checkScenarioA,
  dumpFailure,
  openAndRunAll,
  reportTimings,
  watchPage,
} from './notebook.mjs';

const NOTEBOOK = 'scenario-a.ipynb';

async function main() {
  await checkInstalled();
  let lab;
  let browser;
  const failures = [];
  let pageForFailure;
  try {
    const notebooks = { [NOTEBOOK]: await lessonNotebook(NOTEBOOK) };
    for (const name of OTHER_LESSONS) notebooks[name] = await lessonNotebook(name);
    lab = await startLab(notebooks);
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const outside = watchPage(page, lab.base);
    pageForFailure = page;
    const { cells, clickedAt } = await openAndRunAll(page, lab.url(NOTEBOOK));
    for (const c of cells)
      if (c.errors.length) failures.push(`cell ${c.prompt} ${c.source}: ${c.errors.join(' ')}`);
    failures.push(...(await checkScenarioA(page, 'dtlab-e2e')));
    // Timings first: checkLive runs one more magic (%dt clock +30m) that is not a notebook cell.
    await reportTimings(page, clickedAt);
    failures.push(...(await checkLive(page, 'dtlab-e2e')));
    failures.push(...(await checkMonitor(page, 'dtlab-e2e')));
    await page.screenshot({ path: '/tmp/dtlab-e2e-notebook.png', fullPage: true });
    if (outside.length) failures.push(`requests left the server: ${outside.slice(0, 5).join(', ')}`);
    failures.push(
      ...(await checkOtherLessons(
        browser,
        (name) => lab.url(name, `lesson-${name.replace('.ipynb', '')}`),
        lab.base,
        'dtlab-e2e',
      )),
    );
  } catch (e) {
    await dumpFailure(pageForFailure, '/tmp/dtlab-e2e-failure.png');
    throw e;
  } finally {
    await browser?.close();
    await lab?.stop();
  }
  if (failures.length) throw new Error(failures.join('\n'));
  console.log(
    'e2e: scenario A ran without errors; the DAG shows both DTs and follows the clock; the lag chart has points; the history shows INCREMENTAL and FULL; the comparison says same contents; Scenario B and the gallery ran with every check passing',
  );
}

main().catch((e) => {
  console.error(`e2e failed: ${e.stack ?? e}`);
  process.exit(1);
});
