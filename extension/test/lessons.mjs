/**
 * The lessons other than Scenario A (which e2e.mjs, lite.mjs and kernel.mjs check widget by widget), in a
 * browser: each in a fresh page (a fresh engine: Scenario B renames columns of orders), Run All, and every
 * cell must finish without an error and every `%dt check` cell must say "passed" (a wrong answer would be an
 * error). The reference solutions are in the notebooks, collapsed; Run All runs them.
 */
import { dismissKernelDialogs, dumpFailure, openAndRunAll, watchPage } from './notebook.mjs';

export const OTHER_LESSONS = [
  'scenario-a-exercises.ipynb',
  'scenario-b.ipynb',
  'gallery.ipynb',
  'scenario-d.ipynb',
];

/** Runs each lesson at `urlFor(name)`; returns the failures. `prefix` names the screenshots. */
export async function checkOtherLessons(browser, urlFor, origin, prefix) {
  const failures = [];
  for (const name of OTHER_LESSONS) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
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
      if (outside.length)
        failures.push(`${name}: requests left the server: ${outside.slice(0, 5).join(', ')}`);
      await page.screenshot({ path: `/tmp/${prefix}-${name.replace('.ipynb', '')}.png`, fullPage: true });
      console.log(
        `${name}: ${cells.length} code cells, ${checks.length} checks, ${((Date.now() - started) / 1000).toFixed(1)} s`,
      );
    } catch (e) {
      await dumpFailure(page, `/tmp/${prefix}-${name.replace('.ipynb', '')}-failure.png`);
      failures.push(`${name}: ${e.message ?? e}`);
    } finally {
      await page.close();
    }
  }
  return failures;
}
