#!/usr/bin/env node
/**
 * Screenshots of every Scenario A widget in the light and the dark theme, for a person to look at: runs the
 * lesson in a throwaway JupyterLab (as e2e.mjs does), then shoots the DAG, the lag chart, each history, each
 * comparison, a %%sql table, the clock summaries and the Dynamic Tables sidebar; switches to JupyterLab Dark
 * (Settings → Theme) and shoots them again. Files: /tmp/<prefix>-<theme>-<widget>.png (prefix: argv[2],
 * default dtlab-shots). Another lesson: its notebook as argv[3] (its calculators, quality consoles, incident
 * lists and advice are shot too). Needs what e2e.mjs needs.
 */
import { launchChromium } from '../../scripts/browser.mjs';
import { checkInstalled, lessonNotebook, startLab } from './lab.mjs';
import { openAndRunAll } from './notebook.mjs';

const prefix = process.argv[2] ?? 'dtlab-shots';
const NOTEBOOK = process.argv[3] ?? 'scenario-a.ipynb';

async function shootAll(page, theme) {
  const shots = [];
  const shoot = async (locator, name) => {
    const n = await locator.count();
    for (let i = 0; i < n; i++) {
      const el = locator.nth(i);
      await el.scrollIntoViewIfNeeded();
      const file = `/tmp/${prefix}-${theme}-${name}${n > 1 ? `-${i + 1}` : ''}.png`;
      await el.screenshot({ path: file });
      shots.push(file);
    }
  };
  await shoot(page.locator('dtlab-dag'), 'dag');
  await shoot(page.locator('dtlab-lag'), 'lag');
  await shoot(page.locator('dtlab-history'), 'history');
  await shoot(page.locator('dtlab-compare'), 'compare');
  await shoot(page.locator('dtlab-calc'), 'calc');
  await shoot(page.locator('dtlab-quality'), 'quality');
  await shoot(page.locator('dtlab-incidents'), 'incidents');
  await shoot(page.locator('.jp-CodeCell:has-text("%dt advise") .jp-OutputArea'), 'advise');
  await shoot(page.locator('.jp-OutputArea-output:has(dtlab-table):not(:has(dtlab-history))').last(), 'sql');
  await shoot(page.locator('.jp-OutputArea-output pre', { hasText: 'scheduled refreshes ran' }), 'clock');
  const sidebar = page.locator('#dtlab-sidebar');
  // The tab toggles the panel: click until it shows (it may be open already, or open from the last theme).
  for (let i = 0; i < 2 && !(await sidebar.isVisible()); i++) {
    await page.locator('.jp-SideBar .lm-TabBar-tab[title^="Dynamic Tables"]').first().click();
    await page.waitForTimeout(1000);
  }
  await sidebar.waitFor({ state: 'visible', timeout: 10_000 });
  await shoot(sidebar, 'sidebar');
  return shots;
}

async function main() {
  await checkInstalled();
  let lab;
  let browser;
  try {
    lab = await startLab({ [NOTEBOOK]: await lessonNotebook(NOTEBOOK) });
    browser = await launchChromium();
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const { cells } = await openAndRunAll(page, lab.url(NOTEBOOK));
    const errors = cells.filter((c) => c.errors.length);
    if (errors.length) console.log('cells with errors:', errors.map((c) => c.source).join('; '));
    const shots = await shootAll(page, 'light');
    await page.locator('.lm-MenuBar-itemLabel', { hasText: 'Settings' }).click();
    await page.locator('.lm-Menu-itemLabel', { hasText: /^Theme$/ }).hover();
    await page.locator('.lm-Menu-itemLabel', { hasText: 'JupyterLab Dark' }).first().click();
    await page.waitForFunction(() => document.body.dataset.jpThemeLight === 'false', null, {
      timeout: 20_000,
    });
    await page.waitForTimeout(1500);
    shots.push(...(await shootAll(page, 'dark')));
    await page.screenshot({ path: `/tmp/${prefix}-dark-page.png` });
    console.log(shots.join('\n'));
  } finally {
    await browser?.close();
    await lab?.stop();
  }
}

main().catch((e) => {
  console.error('shots failed:', e);
  process.exit(1);
});
