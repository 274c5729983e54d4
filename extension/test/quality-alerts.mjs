#!/usr/bin/env node
/**
 * Data quality and alerting in a real JupyterLab (browser runtime, DuckDB-WASM): data metric functions on
 * orders, a DT with QUARANTINE / DROP ROW expectations, a quality alert to the notebook channel, a faulty order
 * stream for half a lesson hour; then the validation console shows the score fall, the quarantine lists rows,
 * the alert opened an incident that a JupyterLab notification announced, and Acknowledge in the incidents widget
 * acknowledges it. Then the DT falls behind (suspended) and a freshness alert fires and notifies too. Screenshots of the console, the quarantine, the incidents and the notification in the light
 * and the dark theme: /tmp/dtlab-qa-<theme>-<what>.png. Exits non-zero on any failure. Needs what e2e.mjs needs.
 */
import { launchChromium } from '../../scripts/browser.mjs';
import { checkInstalled, startLab } from './lab.mjs';
import { dumpFailure, openAndRunAll } from './notebook.mjs';

const cell = (source, i) => ({
  cell_type: 'code',
  id: `c${i}`,
  metadata: {},
  source,
  outputs: [],
  execution_count: null,
});
export const QA_NOTEBOOK = {
  nbformat: 4,
  nbformat_minor: 5,
  metadata: { kernelspec: { display_name: 'Python 3 (ipykernel)', language: 'python', name: 'python3' } },
  cells: [
    '%dt load tpch --sf 0.01 --keys none',
    `%%sql
ALTER TABLE orders SET DATA_METRIC_SCHEDULE = '5 MINUTE';
ALTER TABLE orders ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (o_custkey) EXPECTATION no_null_customer (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.DUPLICATE_COUNT ON (o_orderkey) EXPECTATION unique_key (VALUE = 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.MIN ON (o_totalprice) EXPECTATION non_negative (VALUE >= 0),
  DATA METRIC FUNCTION SNOWFLAKE.CORE.ROW_COUNT ON ();
CREATE NOTIFICATION INTEGRATION lab TYPE = NOTEBOOK`,
    `%%dynamic_table clean_orders (o_orderkey, o_custkey, o_totalprice, CONSTRAINT valid_price EXPECT (o_totalprice > 0) ON VIOLATION QUARANTINE, CONSTRAINT has_customer EXPECT (o_custkey IS NOT NULL) ON VIOLATION DROP ROW) TARGET_LAG = '1 minute'
SELECT o_orderkey, o_custkey, o_totalprice FROM orders`,
    '%dt quality orders --evaluate',
    '%dt alert quality clean_orders --below 99 --channel lab --severity critical',
    '%dt simulate orders --rate 1 --faults nulls=0.2,duplicates=0.1,negative=0.1,unknown=0.05',
    '%dt clock +30m',
    '%dt quality orders',
    '%dt quarantine clean_orders',
    '%dt alerts',
    // A DT falls behind: suspended, its lag grows past 1.5 × its target; the freshness alert fires.
    '%dt alert freshness clean_orders --over 50% --channel lab',
    '%%sql\nALTER DYNAMIC TABLE clean_orders SUSPEND',
    '%dt clock +5m',
    '%dt alerts',
  ].map(cell),
};

async function shoot(page, theme) {
  const shots = [];
  for (const [what, locator] of [
    ['console', page.locator('dtlab-quality').last()],
    ['quarantine', page.locator('.jp-Cell').nth(8).locator('.jp-OutputArea-output').last()],
    ['incidents', page.locator('dtlab-incidents').last()],
    ['incidents-quality', page.locator('dtlab-incidents').first()],
  ]) {
    await locator.scrollIntoViewIfNeeded();
    const file = `/tmp/dtlab-qa-${theme}-${what}.png`;
    await locator.screenshot({ path: file });
    shots.push(file);
  }
  return shots;
}

export async function checkQualityAlerts(page) {
  const failures = [];
  const consoleText = await page
    .locator('dtlab-quality')
    .last()
    .evaluate((e) => e.shadowRoot?.textContent ?? '');
  if (!/ERROR|WARNING/.test(consoleText))
    failures.push(`the console after the faults shows no falling state: ${consoleText.slice(0, 200)}`);
  const quarantine = await page.locator('.jp-Cell').nth(8).locator('.jp-OutputArea-output').allTextContents();
  if (!/quarantined row/.test(quarantine.join(' ')))
    failures.push(`no quarantined rows listed: ${quarantine.join(' ').slice(0, 200)}`);
  for (const text of [/fewer than 99% of rows pass/, /lag more than 50% over its target/])
    await page
      .locator('.Toastify__toast', { hasText: text })
      .first()
      .waitFor({ timeout: 30_000 })
      .catch(() => failures.push(`no JupyterLab notification of the incident (${text})`));
  await page.screenshot({ path: '/tmp/dtlab-qa-light-notification.png' });
  const incidents = page.locator('dtlab-incidents').last();
  const listed = await incidents.evaluate((e) => e.shadowRoot?.textContent ?? '');
  if (!/freshness_clean_orders/.test(listed))
    failures.push(`the freshness incident is not listed: ${listed.slice(0, 200)}`);
  const ack = incidents.locator('button', { hasText: 'Acknowledge' }).first();
  if ((await ack.count()) === 0) failures.push('the incidents widget has no Acknowledge button');
  else {
    await ack.click();
    await page
      .waitForFunction(
        () =>
          /ACKNOWLEDGED/.test(
            document.querySelectorAll('dtlab-incidents')[
              document.querySelectorAll('dtlab-incidents').length - 1
            ]?.shadowRoot?.textContent ?? '',
          ),
        undefined,
        { timeout: 15_000 },
      )
      .catch(() => failures.push('Acknowledge did not acknowledge the incident'));
  }
  return failures;
}

async function main() {
  await checkInstalled();
  const lab = await startLab({ 'quality-alerts.ipynb': QA_NOTEBOOK });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  try {
    const { cells } = await openAndRunAll(page, lab.url('quality-alerts.ipynb'));
    const failures = cells
      .filter((c) => c.errors.length)
      .map((c) => `cell ${c.source}: ${c.errors.join(' ')}`);
    failures.push(...(await checkQualityAlerts(page)));
    await shoot(page, 'light');
    await page.locator('.lm-MenuBar-itemLabel', { hasText: 'Settings' }).click();
    await page.locator('.lm-Menu-itemLabel', { hasText: /^Theme$/ }).hover();
    await page.locator('.lm-Menu-itemLabel', { hasText: 'JupyterLab Dark' }).first().click();
    await page.waitForFunction(() => document.body.dataset.jpThemeLight === 'false', null, {
      timeout: 20_000,
    });
    await page.waitForTimeout(1000);
    await shoot(page, 'dark');
    if (failures.length) throw new Error(failures.join('\n'));
    console.log(
      'quality-alerts: the console shows the score falling, the quarantine lists rows, the quality alert notified the notebook and Acknowledge acknowledged its incident',
    );
  } catch (e) {
    await dumpFailure(page, '/tmp/dtlab-qa-failure.png');
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
