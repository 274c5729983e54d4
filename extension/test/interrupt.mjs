#!/usr/bin/env node
/**
 * JupyterLab's interrupt on page-run magic cells, in Debian's Chromium with no kernel (as in JupyterLite):
 * Run All on a notebook that loads TPC-H, makes two DTs, starts the order simulator and runs `%dt clock +12h`;
 * once the cell shows its progress line, the toolbar's stop button (notebook:interrupt-kernel) is clicked.
 * Checks: the cell ends with a KeyboardInterrupt saying how many refreshes ran and where the clock is; the
 * clock is there; the cells queued after it did not run; both DTs, refreshed by hand, equal their queries.
 * Then the Kernel menu's path: `%dt clock +12h` run again is stopped by Kernel → Interrupt Kernel (the menu
 * item, `kernelmenu:interrupt`), and a `%%sql` statement counting a 10^15-row cross join on the page's
 * DuckDB is stopped mid-statement by `app.commands.execute('kernelmenu:interrupt')`: each cell ends with the
 * KeyboardInterrupt a DT_ERR_INTERRUPTED shows as, the DTs whole, the page's database still answering.
 * Screenshots of the progress and of the interrupted cell, light and dark theme: /tmp/dtlab-interrupt-*.png.
 *
 * The labextension under test is this checkout's build (extension/dtlab_jupyterlab/labextension), put first
 * on JUPYTER_PATH, so nothing is installed into .venv; the script checks that the page loaded that build.
 * Exits non-zero on any failure.
 */
import { mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { launchChromium, need } from '../../scripts/browser.mjs';
import { JUPYTER, ROOT, startLab } from './lab.mjs';
import { dismissKernelDialogs, dumpFailure, runAll, watchPage } from './notebook.mjs';

const NOTEBOOK = 'interrupt.ipynb';
const CELLS = [
  '%dt load tpch --sf 0.01',
  "%%dynamic_table by_status TARGET_LAG = '1 minute'\nSELECT o_orderstatus, COUNT(*) AS n, SUM(o_totalprice) AS revenue\nFROM orders GROUP BY o_orderstatus",
  "%%dynamic_table total TARGET_LAG = '2 minutes'\nSELECT SUM(n) AS n FROM by_status",
  '%dt simulate orders --rate 1',
  '%dt clock +12h',
  '%dt clock',
  '%%sql\nSELECT count(*) AS n FROM range(100000) a, range(100000) b, range(100000) c',
];
const LONG = 4; // the index of `%dt clock +12h`
const SQL = 6; // the index of the long `%%sql` statement

const notebook = {
  cells: CELLS.map((source, i) => ({
    cell_type: 'code',
    id: `cell-${i}`,
    metadata: {},
    source,
    outputs: [],
    execution_count: null,
  })),
  metadata: {},
  nbformat: 4,
  nbformat_minor: 5,
};

async function palette(page, label) {
  await page.keyboard.press('Control+Shift+C');
  const input = page.locator('.lm-CommandPalette-input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(label);
  await page.locator('.lm-CommandPalette-item', { hasText: label }).first().click({ timeout: 10_000 });
}

/** The text of code cell `i`'s output area. */
const outputOf = (page, i) =>
  page.evaluate(
    (k) =>
      document.querySelectorAll('.jp-Notebook .jp-CodeCell')[k]?.querySelector('.jp-OutputArea')
        ?.textContent ?? '',
    i,
  );

/** Waits until code cell `i`'s output matches `re` (a source string, flags). */
function waitForOutput(page, i, re, timeout) {
  return page.waitForFunction(
    ([k, source]) =>
      new RegExp(source).test(
        document.querySelectorAll('.jp-Notebook .jp-CodeCell')[k]?.querySelector('.jp-OutputArea')
          ?.textContent ?? '',
      ),
    [i, re.source],
    { timeout, polling: 100 },
  );
}

/** Runs code cell `i` alone (selected, Ctrl+Enter), waits for its progress line, then `interrupt()`s it. */
async function runAndInterrupt(page, i, how, interrupt) {
  const cell = page.locator('.jp-Notebook .jp-CodeCell').nth(i);
  await cell.locator('.jp-InputPrompt').click();
  await page.keyboard.press('Escape'); // command mode, the cell selected
  await page.keyboard.press('Control+Enter');
  await waitForOutput(page, i, /running \d+ s · /, 300_000);
  const at = Date.now();
  await interrupt();
  await waitForOutput(page, i, /KeyboardInterrupt/, 60_000);
  const text = (await outputOf(page, i)).trim();
  console.log(`interrupt: ${how} stopped cell ${i} ${Date.now() - at} ms after it: ${text}`);
  return text;
}

async function main() {
  need(JUPYTER, 'run `npm run setup`');
  const built = path.join(ROOT, 'extension/dtlab_jupyterlab/labextension');
  need(path.join(built, 'package.json'), 'run `npm run build:extension`');
  const { load } = JSON.parse(await readFile(path.join(built, 'package.json'), 'utf8')).jupyterlab._build;
  // This checkout's build first on JUPYTER_PATH: it wins over the copy installed in .venv.
  const jupyterPath = await mkdtemp(path.join(os.tmpdir(), 'dtlab-int-path-'));
  await mkdir(path.join(jupyterPath, 'labextensions/@dtlab'), { recursive: true });
  await symlink(built, path.join(jupyterPath, 'labextensions/@dtlab/jupyterlab'));
  process.env.JUPYTER_PATH = jupyterPath;

  let lab;
  let browser;
  let page;
  const failures = [];
  try {
    lab = await startLab({ [NOTEBOOK]: notebook }, { exposeApp: true });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1300, height: 900 } });
    const requests = [];
    page.on('request', (r) => requests.push(r.url()));
    watchPage(page, lab.base);
    await page.goto(lab.url(NOTEBOOK, 'interrupt'));
    await page.locator('.jp-Notebook .jp-Cell').first().waitFor({ timeout: 120_000 });
    await dismissKernelDialogs(page);
    if (!requests.some((u) => u.includes('@dtlab/jupyterlab') && u.endsWith(load.replace(/^static\//, ''))))
      throw new Error(`the page did not load this checkout's build (${load})`);
    // JupyterLab may ask for a kernel again while its plugins activate (slowly on a busy machine).
    for (let attempt = 0; ; attempt++) {
      try {
        await runAll(page);
        break;
      } catch (e) {
        if (attempt === 3) throw e;
        await page.keyboard.press('Escape');
        await dismissKernelDialogs(page);
      }
    }
    const cell = page.locator('.jp-Notebook .jp-CodeCell').nth(LONG);
    const output = cell.locator('.jp-OutputArea');
    // The progress line, then the stop button.
    await page.waitForFunction(
      (i) =>
        /running \d+ s · lesson clock .* of about \d+ refreshes/.test(
          document.querySelectorAll('.jp-Notebook .jp-CodeCell')[i]?.querySelector('.jp-OutputArea')
            ?.textContent ?? '',
        ),
      LONG,
      { timeout: 300_000, polling: 200 },
    );
    const progress = (await output.textContent()) ?? '';
    console.log(`interrupt: progress shown: ${progress.trim()}`);
    await cell.screenshot({ path: '/tmp/dtlab-interrupt-progress-light.png' });
    const clickedAt = Date.now();
    await page.locator('.jp-NotebookPanel-toolbar [data-command="notebook:interrupt-kernel"]').click();
    await page.waitForFunction(
      (i) =>
        /KeyboardInterrupt/.test(
          document.querySelectorAll('.jp-Notebook .jp-CodeCell')[i]?.querySelector('.jp-OutputArea')
            ?.textContent ?? '',
        ),
      LONG,
      { timeout: 60_000, polling: 100 },
    );
    console.log(`interrupt: the cell stopped ${Date.now() - clickedAt} ms after the click`);
    const text = (await output.textContent()) ?? '';
    console.log(`interrupt: the cell says: ${text.trim()}`);
    const m = /interrupted after (\d+) of about (\d+) refreshes; clock at (\S+ \S+) UTC/.exec(text);
    if (!m) failures.push(`the interrupted cell does not say how far it got: ${text}`);
    if (m && Number(m[1]) >= Number(m[2])) failures.push(`it ran every refresh: ${m[0]}`);
    await cell.screenshot({ path: '/tmp/dtlab-interrupt-light.png' });
    // The next cells were queued behind it: they do not run.
    await page.waitForTimeout(1500);
    for (const i of [LONG + 1, SQL]) {
      const next = page.locator('.jp-Notebook .jp-CodeCell').nth(i);
      const nextPrompt = (await next.locator('.jp-InputPrompt').textContent()) ?? '';
      const nextOut = (await next.locator('.jp-OutputArea').textContent()) ?? '';
      if (/\d/.test(nextPrompt) || nextOut.trim())
        failures.push(`the queued cell ${i} ran: ${nextPrompt} ${nextOut}`);
    }
    // The clock is where the message says, and the DTs are whole.
    const after = await page.evaluate(async () => {
      const run = async (c) =>
        ((await window.dtlab.session.run(c)) ?? []).map((b) => b.data['text/plain']).join('\n');
      const clock = await run('%dt clock');
      await run('%dt refresh by_status');
      await run('%dt refresh total');
      return [clock, await run('%dt verify by_status'), await run('%dt verify total')];
    });
    if (m && !after[0].includes(`clock ${m[3]} UTC`)) failures.push(`the clock moved on: ${after[0]}`);
    if (after[1] !== 'by_status equals its query: verified') failures.push(after[1]);
    if (after[2] !== 'total equals its query: verified') failures.push(after[2]);
    // Kernel → Interrupt Kernel, the menu item (kernelmenu:interrupt, which executes notebook:interrupt-kernel).
    const byMenu = await runAndInterrupt(page, LONG, 'Kernel → Interrupt Kernel', async () => {
      await page.locator('.lm-MenuBar-itemLabel', { hasText: /^Kernel$/ }).click();
      await page.locator('.lm-Menu-itemLabel', { hasText: /^Interrupt Kernel$/ }).click();
    });
    if (!/KeyboardInterrupt: interrupted after \d+ of about \d+ refreshes; clock at /.test(byMenu))
      failures.push(`Kernel → Interrupt Kernel: ${byMenu}`);
    // The menu's command executed by the application: a `%%sql` statement stops mid-statement.
    const byCommand = await runAndInterrupt(page, SQL, "app.commands.execute('kernelmenu:interrupt')", () =>
      page.evaluate(() => window.jupyterapp.commands.execute('kernelmenu:interrupt')),
    );
    if (
      !byCommand.includes(
        'KeyboardInterrupt: interrupted: the statement was cancelled while it ran and changed nothing',
      )
    )
      failures.push(`kernelmenu:interrupt on %%sql: ${byCommand}`);
    const whole = await page.evaluate(async () => {
      const run = async (c) =>
        ((await window.dtlab.session.run(c)) ?? []).map((b) => b.data['text/plain']).join('\n');
      await run('%dt refresh by_status');
      await run('%dt refresh total');
      return [
        await run('%dt verify by_status'),
        await run('%dt verify total'),
        await run('%%sql\nSELECT 42 AS a'),
      ];
    });
    if (whole[0] !== 'by_status equals its query: verified') failures.push(whole[0]);
    if (whole[1] !== 'total equals its query: verified') failures.push(whole[1]);
    if (!/\b42\b/.test(whole[2])) failures.push(`the page's database after the interrupt: ${whole[2]}`);
    await palette(page, 'Use Theme: JupyterLab Dark');
    await page.waitForTimeout(1500);
    await cell.screenshot({ path: '/tmp/dtlab-interrupt-dark.png' });
  } catch (e) {
    await dumpFailure(page, '/tmp/dtlab-interrupt-failure.png');
    throw e;
  } finally {
    await browser?.close();
    await lab?.stop();
    await rm(jupyterPath, { recursive: true, force: true });
  }
  if (failures.length) throw new Error(failures.join('\n'));
  console.log(
    'interrupt: the stop button and Kernel → Interrupt Kernel stopped `%dt clock +12h`, kernelmenu:interrupt a `%%sql` statement, in the page, with the DTs whole',
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
