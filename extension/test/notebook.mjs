/**
 * Driving a notebook in JupyterLab or JupyterLite with playwright: answering kernel questions, Run All,
 * waiting for every cell, and printing the cold-start marks and cell timings the page's runtime records.
 * Shared by e2e.mjs (JupyterLab) and lite.mjs (the JupyterLite build).
 */

const RUN_TIMEOUT_MS = Number(process.env.DTLAB_E2E_TIMEOUT_MS ?? 5 * 60_000);

/**
 * Magic cells need no kernel: JupyterLab's kernel questions (it may ask more than once while the notebook
 * opens) are answered with "No Kernel", or dismissed, until none has shown for a second.
 */
export async function dismissKernelDialogs(page) {
  let dismissed = 0;
  const deadline = Date.now() + 60_000;
  let quietSince = Date.now();
  while (Date.now() - quietSince < 1000) {
    if (Date.now() > deadline) throw new Error('JupyterLab kept showing dialogs');
    const dialog = page.locator('.jp-Dialog');
    if (await dialog.count()) {
      const noKernel = dialog.getByRole('button', { name: 'No Kernel', exact: true });
      if (await noKernel.count()) await noKernel.click();
      else await page.keyboard.press('Escape');
      dismissed++;
      quietSince = Date.now();
    }
    await page.waitForTimeout(250);
  }
  return dismissed;
}

export async function runAll(page) {
  await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }).click();
  await page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }).click();
}

/** Waits until every code cell has an execution count; returns each cell's prompt, source and errors. */
export async function waitForCells(page) {
  await page.waitForFunction(
    () => {
      const prompts = [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map(
        (p) => p.textContent,
      );
      return prompts.length > 0 && prompts.every((p) => /\[\d+\]/.test(p ?? ''));
    },
    undefined,
    { timeout: RUN_TIMEOUT_MS, polling: 250 },
  );
  return page.evaluate(() =>
    [...document.querySelectorAll('.jp-CodeCell')].map((c) => ({
      prompt: c.querySelector('.jp-InputPrompt')?.textContent ?? '',
      source: (c.querySelector('.jp-InputArea-editor')?.textContent ?? '').slice(0, 60),
      errors: [...c.querySelectorAll('[data-mime-type="application/vnd.jupyter.stderr"]')].map(
        (e) => e.textContent,
      ),
    })),
  );
}

export function report(marks, timings, clickedAt) {
  const at = (pred) => marks.find((m) => pred(m.name))?.at;
  const stages = [
    ['DuckDB ready', at((n) => n === 'duckdb-ready')],
    ['TPC-H SF 0.01 loaded', at((n) => n.startsWith('%dt load tpch'))],
    ['first DT created', at((n) => n.startsWith('%%dynamic_table'))],
  ];
  console.log('cold start, ms since the page began loading (+ since Run All was clicked):');
  console.log(`  ${'Run All clicked'.padEnd(22)} ${Math.round(clickedAt)}`);
  for (const [name, ms] of stages)
    console.log(
      `  ${name.padEnd(22)} ${ms === undefined ? 'missing' : `${Math.round(ms)} (+${Math.round(ms - clickedAt)})`}`,
    );
  console.log('magic cells (execution ms, queue wait excluded):');
  for (const t of timings) console.log(`  ${t.ms.toFixed(0).padStart(7)}  ${t.cell}`);
  const sorted = timings.map((t) => t.ms).sort((a, b) => a - b);
  if (sorted.length)
    console.log(
      `  median ${sorted[Math.floor((sorted.length - 1) / 2)].toFixed(0)} ms over ${sorted.length} cells`,
    );
}
