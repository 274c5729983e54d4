/**
 * The monitor panel in a real JupyterLab, after a lesson ran in the page: opened from the command palette, it
 * shows its five charts with marks, in the light and the dark theme. Saves /tmp/PREFIX-monitor-{light,dark}.png.
 * Returns the failures.
 */

async function palette(page, label) {
  await page.keyboard.press('Control+Shift+C');
  const input = page.locator('.lm-CommandPalette-input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(label);
  await page.locator('.lm-CommandPalette-item', { hasText: label }).first().click({ timeout: 10_000 });
}

export async function checkMonitor(page, prefix) {
  const failures = [];
  await palette(page, 'DT Lab: Open Monitor');
  const monitor = page.locator('dtlab-monitor');
  await monitor.waitFor({ timeout: 20_000 });
  await page
    .waitForFunction(
      () =>
        (document.querySelector('dtlab-monitor')?.shadowRoot?.querySelectorAll('section svg').length ?? 0) >=
        5,
      undefined,
      { timeout: 30_000 },
    )
    .catch(() => failures.push('the monitor did not draw its five charts'));
  const marks = await monitor.evaluate((m) =>
    [...(m.shadowRoot?.querySelectorAll('section') ?? [])].map((s) => ({
      title: s.querySelector('h3')?.textContent,
      marks: s.querySelectorAll('svg [aria-label] circle, svg [aria-label] path, svg [aria-label] rect')
        .length,
    })),
  );
  for (const m of marks)
    if (m.title !== 'Error rate' && m.marks === 0) failures.push(`the monitor's "${m.title}" chart is empty`);
  await monitor.screenshot({ path: `/tmp/${prefix}-monitor-light.png` });
  await palette(page, 'Use Theme: JupyterLab Dark');
  await page.waitForTimeout(1500);
  await monitor.screenshot({ path: `/tmp/${prefix}-monitor-dark.png` });
  await palette(page, 'Use Theme: JupyterLab Light');
  await page.waitForTimeout(1000);
  return failures;
}
