#!/usr/bin/env node
/**
 * The notebook channel in a real JupyterLab (browser runtime): a cell creates a NOTEBOOK integration and sends
 * through it; the message appears as a JupyterLab notification and as a badge on the Dynamic Tables tab and in
 * the sidebar. A cell that sends email from the page gets the "needs the kernel runtime" error. Saves
 * /tmp/dtlab-notify.png. Exits non-zero on any failure. Needs what e2e.mjs needs.
 */
import { launchChromium } from '../../scripts/browser.mjs';
import { checkInstalled, startLab } from './lab.mjs';
import { dumpFailure, openAndRunAll } from './notebook.mjs';

const cell = (source) => ({ cell_type: 'code', metadata: {}, source, outputs: [], execution_count: null });
export const NOTIFY_NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  // As the lessons: a Python kernel, whose magic cells the extension runs in the page.
  metadata: { kernelspec: { display_name: 'Python 3 (ipykernel)', language: 'python', name: 'python3' } },
  cells: [
    cell(
      "%%sql\nCREATE NOTIFICATION INTEGRATION lab TYPE = NOTEBOOK;\nCALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(SNOWFLAKE.NOTIFICATION.TEXT_PLAIN('orders_dt is late'), SNOWFLAKE.NOTIFICATION.INTEGRATION('lab'))",
    ),
    cell(
      "%%sql\nCREATE NOTIFICATION INTEGRATION mail TYPE = EMAIL;\nCALL SYSTEM$SEND_EMAIL('mail', 'a@example.com', 's', 'b')",
    ),
  ].map((c, i) => ({ ...c, id: `c${i}` })),
};

/** Runs the check in `page` (the notebook open in JupyterLab); returns the failures. */
export async function checkNotify(page) {
  const failures = [];
  const toast = page.locator('.Toastify__toast', { hasText: 'orders_dt is late' });
  await toast
    .first()
    .waitFor({ timeout: 30_000 })
    .catch(() => failures.push('no JupyterLab notification'));
  const tab = page.locator('.lm-TabBar-tab.dtlab-has-notices');
  if ((await tab.count()) !== 1) failures.push('no badge on the Dynamic Tables tab');
  const errors = await page.locator('.jp-Cell').nth(1).locator('.jp-OutputArea-output').allTextContents();
  if (!errors.join(' ').includes('needs the kernel runtime'))
    failures.push(`sending email from the page: ${errors.join(' ')}`);
  await tab.first().click();
  const notice = page.locator('dtlab-sidebar').locator('.notice');
  const text = (await notice.textContent().catch(() => '')) ?? '';
  if (!text.includes('orders_dt is late')) failures.push(`the sidebar does not show the message: ${text}`);
  await page.screenshot({ path: '/tmp/dtlab-notify.png' });
  // Opening the panel marked it read: no badge on the tab nor in the header.
  if ((await page.locator('.lm-TabBar-tab.dtlab-has-notices').count()) !== 0)
    failures.push('the tab keeps its badge after the panel was opened');
  if ((await notice.locator('.badge').count()) !== 0)
    failures.push('the header keeps its badge after the panel was opened');
  return failures;
}

async function main() {
  await checkInstalled();
  const lab = await startLab({ 'notify.ipynb': NOTIFY_NOTEBOOK });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  try {
    await openAndRunAll(page, lab.url('notify.ipynb'));
    const failures = await checkNotify(page);
    if (failures.length) throw new Error(failures.join('\n'));
    console.log(
      'notify: the notebook channel shows a JupyterLab notification and a sidebar badge; email in the page says it needs the kernel',
    );
  } catch (e) {
    await dumpFailure(page, '/tmp/dtlab-notify-failure.png');
    throw e;
  } finally {
    await browser.close();
    await lab.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
