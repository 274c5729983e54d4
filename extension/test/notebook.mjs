/**
 * Driving a notebook in JupyterLab or JupyterLite with playwright: answering kernel questions, Run All,
 * waiting for every cell, and printing the cold-start marks and cell timings the page's runtime records.
 * Shared by e2e.mjs (JupyterLab) and lite.mjs (the JupyterLite build).
 */

const RUN_TIMEOUT_MS = Number(process.env.DTLAB_E2E_TIMEOUT_MS ?? 5 * 60_000);
const EXPECTED_DTS = ['daily_revenue_inc', 'daily_revenue_full'];

/**
 * Logs the page's failed requests, HTTP errors, page errors and console errors/warnings; returns a list
 * that collects every request leaving `origin` (nothing may come from a CDN).
 */
export function watchPage(page, origin) {
  const outside = [];
  page.on('requestfailed', (r) => console.warn(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => {
    if (r.status() >= 400) console.warn(`HTTP ${r.status()} ${r.url()}`);
  });
  page.on('request', (r) => {
    const url = r.url();
    if (!url.startsWith(origin) && !url.startsWith('data:') && !url.startsWith('blob:')) outside.push(url);
  });
  page.on('pageerror', (e) => console.warn(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning')
      console.warn(`console.${m.type()}: ${m.text().slice(0, 300)}`);
  });
  return outside;
}

/**
 * Opens the notebook at `url`, answers the kernel questions, awaits `beforeRun(page)` if given, runs all
 * cells and waits for every one.
 * Returns the cells (prompt, source, errors) and when Run All was clicked (performance.now() of the page).
 */
export async function openAndRunAll(page, url, { beforeRun } = {}) {
  await page.goto(url);
  await page.locator('.jp-Notebook .jp-Cell').first().waitFor({ timeout: 120_000 });
  const dialogs = await dismissKernelDialogs(page);
  if (dialogs) console.warn(`dismissed ${dialogs} kernel dialog(s)`);
  // JupyterLab's news question would cover outputs in the screenshots.
  const toast = page.locator('.jp-Notification-Toast-Close, .Toastify__close-button');
  if (await toast.count())
    await toast
      .first()
      .click({ timeout: 5000 })
      .catch(() => {});
  await beforeRun?.(page);
  const clickedAt = await page.evaluate(() => performance.now());
  await runAll(page);
  return { cells: await waitForCells(page), clickedAt };
}

/**
 * Scenario A's widgets, after Run All: the DAG shows both DTs and followed the clock, the lag chart has
 * points, the comparison says same contents, the histories show INCREMENTAL and FULL. Saves screenshots as
 * /tmp/PREFIX-{dag,lag,compare,history-inc,history-full}.png. Returns the failures.
 */
export async function checkScenarioA(page, prefix, { pageEngine = true } = {}) {
  const failures = [];
  const dag = page.locator('dtlab-dag').first();
  await dag.scrollIntoViewIfNeeded();
  const nodes = await dag.locator('g.node').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-name')));
  for (const name of EXPECTED_DTS)
    if (!nodes.includes(name)) failures.push(`the DAG does not show ${name}: ${nodes}`);
  await dag.screenshot({ path: `/tmp/${prefix}-dag.png` });
  // (A kernel's outputs are the kernel's to update; the page then has no engine to compare with.)
  if (pageEngine) failures.push(...(await checkDagFollowed(page, dag)));

  const lag = page.locator('dtlab-lag').first();
  await lag.scrollIntoViewIfNeeded();
  const dots = await lag.locator('svg circle').count();
  if (dots === 0) failures.push('the lag chart has no points');
  await lag.screenshot({ path: `/tmp/${prefix}-lag.png` });

  const compare = page.locator('dtlab-compare').first();
  await compare.scrollIntoViewIfNeeded();
  const verdict = await compare.locator('.verdict').textContent();
  if (!/same contents/.test(verdict ?? '')) failures.push(`the comparison says: ${verdict}`);
  await compare.screenshot({ path: `/tmp/${prefix}-compare.png` });
  if (pageEngine) failures.push(...(await checkCompareAgrees(page)));

  // The history widgets' text lives in their shadow roots.
  const histories = page.locator('.dtlab-output dtlab-table', { hasText: 'Refresh history' });
  const historyText = (
    await histories.evaluateAll((els) => els.map((e) => e.shadowRoot?.textContent ?? ''))
  ).join(' ');
  for (const action of ['INCREMENTAL', 'FULL'])
    if (!historyText.includes(action)) failures.push(`the refresh history shows no ${action} refresh`);
  // Above each table, a timeline: a mark per refresh, coloured by its action.
  const kinds = await page
    .locator('dtlab-history svg.timeline rect.mark')
    .evaluateAll((rs) => rs.map((r) => r.getAttribute('data-kind')));
  for (const action of ['INCREMENTAL', 'FULL'])
    if (!kinds.includes(action))
      failures.push(`the history timelines have no ${action} mark: ${kinds.length} marks`);
  for (const [i, name] of [
    [0, 'history-inc'],
    [1, 'history-full'],
  ]) {
    const h = page.locator('dtlab-history').nth(i);
    await h.scrollIntoViewIfNeeded();
    await h.screenshot({ path: `/tmp/${prefix}-${name}.png` });
  }
  return failures;
}

/**
 * The lesson's last comparison (no refresh runs after it) agrees with the refresh history: per DT, the
 * successful refreshes, source rows read, rows written and credits summed from the engine's history are the
 * widget's figures, and its words name the DT with fewer rows as the one that did less work and the cheaper
 * as the one that cost less.
 */
async function checkCompareAgrees(page) {
  const failures = [];
  const compare = page.locator('dtlab-compare').last();
  const shown = await compare.evaluate((el) => ({
    a: el.data.a,
    b: el.data.b,
    cells: [...el.shadowRoot.querySelectorAll('tbody tr')].map((tr) =>
      [...tr.querySelectorAll('td')].map((td) => td.textContent.trim()),
    ),
    words: [...el.shadowRoot.querySelectorAll('.words p')].map((p) => p.textContent),
  }));
  const history = await page.evaluate(
    async ([a, b]) => {
      const engine = window.dtlab?.session.connected?.engine;
      const sums = async (name) => {
        const ok = (await engine.history(name)).filter((r) => r.state === 'SUCCEEDED');
        const sum = (f) => ok.reduce((x, r) => x + f(r), 0);
        return {
          refreshes: ok.length,
          rowsRead: sum((r) => r.rowsRead),
          rowsWritten: sum((r) => r.rowsInserted + r.rowsDeleted),
          credits: Math.round(sum((r) => r.creditsUsed) * 1e6) / 1e6,
        };
      };
      return { [a]: await sums(a), [b]: await sums(b) };
    },
    [shown.a, shown.b],
  );
  const row = (label) => shown.cells.find((c) => c[0] === label);
  const num = (t) => Number(String(t).replace(/,/g, ''));
  for (const [label, key] of [
    ['successful refreshes', 'refreshes'],
    ['source rows read', 'rowsRead'],
    ['rows written (inserted + deleted)', 'rowsWritten'],
    ['credits', 'credits'],
  ]) {
    const r = row(label);
    if (!r) {
      failures.push(`the comparison has no row "${label}"`);
      continue;
    }
    const [x, y] = [num(r[1]), num(r[2])];
    const [ea, eb] = [history[shown.a][key], history[shown.b][key]];
    if (Math.abs(x - ea) > 1e-6 || Math.abs(y - eb) > 1e-6)
      failures.push(`the comparison's ${label} (${x}, ${y}) differ from the history's (${ea}, ${eb})`);
  }
  const work = (t) => t.rowsRead + t.rowsWritten;
  const [ta, tb] = [history[shown.a], history[shown.b]];
  const less = work(ta) < work(tb) ? shown.a : shown.b;
  const cheaper = ta.credits < tb.credits ? shown.a : shown.b;
  const text = shown.words.join(' ');
  if (!text.includes(`${less} did less work`))
    failures.push(`the comparison's words do not say ${less} did less work: ${text}`);
  if (!text.includes(`${cheaper} cost less`))
    failures.push(`the comparison's words do not say ${cheaper} cost less: ${text}`);
  if (less !== 'daily_revenue_inc' || cheaper !== 'daily_revenue_inc')
    failures.push(
      `in Scenario A the incremental DT should do less work and cost less: ${JSON.stringify(history)}`,
    );
  return failures;
}

/** The DAG drawn before the clock moved follows the page engine's events. */
async function checkDagFollowed(page, dag) {
  const failures = [];
  // The graph was drawn right after the DTs were created, before the clock moved an hour; it follows the
  // engine's events, so the full DT's node now has the data timestamp of its latest refresh, not its
  // creation's. (Its lag text is no test: the hour may end just after a refresh, at "lag 1 s".)
  // The engine's answer is read once; then only the widget is polled (a busy page delays its timers, and a
  // query per poll would queue behind whatever the engine is doing).
  const expected = await page.evaluate(async () => {
    const engine = window.dtlab?.session.connected?.engine;
    const current = (await engine.listDynamicTables()).find((d) => d.name === 'daily_revenue_full');
    const created = (await engine.history('daily_revenue_full')).find((r) => r.refreshTrigger === 'CREATION');
    return { current: current?.dataTimestamp, created: created?.dataTimestamp };
  });
  const followed =
    expected.current !== expected.created &&
    (await page
      .waitForFunction(
        (current) =>
          document.querySelector('dtlab-dag')?.model?.nodes.find((n) => n.id === 'daily_revenue_full')
            ?.dataTimestamp === current,
        expected.current,
        { timeout: 15_000, polling: 250 },
      )
      .then(() => true)
      .catch(() => false));
  if (!followed) {
    const text = await dag.locator('g.node[data-name="daily_revenue_full"] text.sub').textContent();
    const state = await page.evaluate(async () => {
      const engine = window.dtlab?.session.connected?.engine;
      const dags = [...document.querySelectorAll('dtlab-dag')];
      const history = await engine.history('daily_revenue_full');
      return {
        dags: dags.map((d) => ({
          live: d.dataset.dtlabLive,
          following: Boolean(d.live),
          shown: d.model?.nodes.find((n) => n.id === 'daily_revenue_full')?.dataTimestamp,
        })),
        current: (await engine.listDynamicTables()).find((d) => d.name === 'daily_revenue_full')
          ?.dataTimestamp,
        refreshes: history
          .slice(0, 4)
          .map((r) => `${r.refreshTrigger} ${r.refreshAction} ${r.dataTimestamp}`),
      };
    });
    failures.push(
      `the DAG did not follow the engine's events: the full DT's node reads "${text}" (${JSON.stringify(state)})`,
    );
  }
  return failures;
}

/** Prints the cold start and each magic cell's time, as the page's runtime (window.dtlab) recorded them. */
export async function reportTimings(page, clickedAt) {
  const { marks, timings } = await page.evaluate(() => ({
    marks: window.dtlab?.marks ?? [],
    timings: window.dtlab?.session.timings ?? [],
  }));
  report(marks, timings, clickedAt);
}

/** After a failure: a full-page screenshot at `shot`, the cell prompts and the runtime's state. */
export async function dumpFailure(page, shot) {
  if (!page) return;
  await page.screenshot({ path: shot, fullPage: true }).catch(() => {});
  const prompts = await page
    .evaluate(() => [...document.querySelectorAll('.jp-CodeCell .jp-InputPrompt')].map((p) => p.textContent))
    .catch(() => []);
  const state = await page
    .evaluate(() => ({ marks: window.dtlab?.marks, timings: window.dtlab?.session.timings }))
    .catch((err) => String(err));
  console.error(`prompts at failure: ${JSON.stringify(prompts)} (screenshot ${shot})`);
  console.error(`runtime state: ${JSON.stringify(state)}`);
}

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
  // Solution cells are collapsed (their input hidden, so no prompt shows their execution count): expand them.
  // Always: the cells below the fold may not be rendered yet, so counting collapsed ones in the page can
  // find none (a CI run waited five minutes on prompts that were never going to show).
  await clickPastDialogs(page, page.locator('.lm-MenuBar-itemLabel', { hasText: /^View$/ }));
  await clickPastDialogs(page, page.locator('.lm-Menu-itemLabel', { hasText: /^Expand All Code$/ }));
  await clickPastDialogs(page, page.locator('.lm-MenuBar-itemLabel', { hasText: /^Run$/ }));
  await clickPastDialogs(page, page.locator('.lm-Menu-itemLabel', { hasText: /^Run All Cells$/ }));
}

/**
 * Clicks `locator`; a kernel question shown meanwhile is answered first. JupyterLite may ask "Select Kernel"
 * after the quiet second `dismissKernelDialogs` waits for (in two of three runs here on 2026-12-07), and the
 * dialog then takes the click.
 */
async function clickPastDialogs(page, locator) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await locator.click({ timeout: 10_000 });
    } catch (e) {
      if (attempt >= 3 || (await page.locator('.jp-Dialog').count()) === 0) throw e;
      console.warn(`dismissed ${await dismissKernelDialogs(page)} late kernel dialog(s)`);
    }
  }
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

/** The text of the n-th refresh history widget's first body row (its newest refresh). */
async function newestHistoryRow(page, n) {
  const h = page.locator('.dtlab-output dtlab-table', { hasText: 'Refresh history' }).nth(n);
  return h.evaluate((e) => e.shadowRoot?.querySelector('tbody tr')?.textContent ?? '');
}

/** The sidebar's rows: name → the row's text. */
function sidebarRows(page) {
  return page.evaluate(() => {
    const root = document.querySelector('dtlab-sidebar')?.shadowRoot;
    return Object.fromEntries(
      [...(root?.querySelectorAll('li[data-name]') ?? [])].map((li) => [
        li.getAttribute('data-name'),
        li.textContent.replace(/\s+/g, ' ').trim(),
      ]),
    );
  });
}

/** The histories drawn before the `%dt refresh` cell show its MANUAL refresh on top (within 5 s). */
export async function checkHistoriesFollowed(page) {
  const failures = [];
  for (const [n, name] of [
    [0, 'daily_revenue_inc'],
    [1, 'daily_revenue_full'],
  ]) {
    const deadline = Date.now() + 5000;
    let top = await newestHistoryRow(page, n);
    while (!(top.includes(name) && top.includes('MANUAL')) && Date.now() < deadline) {
      await page.waitForTimeout(250);
      top = await newestHistoryRow(page, n);
    }
    if (!(top.includes(name) && top.includes('MANUAL')))
      failures.push(`the history of ${name} did not take the later manual refresh: newest row "${top}"`);
  }
  return failures;
}

/**
 * After Scenario A ran: the outputs and the "Dynamic Tables" sidebar follow the engine's events.
 * - The histories drawn before the `%dt refresh` cell show its MANUAL refresh on top.
 * - The sidebar lists both DTs with state, lag vs target and last refresh.
 * - Moving the clock 30 minutes from outside any cell (the page's session, as a cell would) adds points to
 *   the lag chart and changes the sidebar's lag and last refresh, with no cell re-run.
 * Saves /tmp/PREFIX-sidebar.png (before and after the clock move) and /tmp/PREFIX-lag-live.png.
 */
export async function checkLive(page, prefix) {
  const failures = await checkHistoriesFollowed(page);

  await page.locator('.jp-SideBar .lm-TabBar-tab[title^="Dynamic Tables"]').first().click();
  const sidebar = page.locator('#dtlab-sidebar');
  await sidebar.waitFor({ state: 'visible', timeout: 10_000 });
  await page
    .waitForFunction(
      (names) => {
        const root = document.querySelector('dtlab-sidebar')?.shadowRoot;
        return names.every((n) => root?.querySelector(`li[data-name="${n}"]`));
      },
      EXPECTED_DTS,
      { timeout: 10_000 },
    )
    .catch(() => {});
  const before = await sidebarRows(page);
  for (const name of EXPECTED_DTS) {
    const row = before[name];
    if (!row) failures.push(`the sidebar does not list ${name}: ${JSON.stringify(before)}`);
    else if (
      !/ACTIVE/.test(row) ||
      !/lag .+ \/ target 1 (minute|hour)/.test(row) ||
      !/last refresh/.test(row)
    )
      failures.push(`the sidebar row of ${name} lacks state, lag or last refresh: "${row}"`);
  }
  if (
    before.daily_revenue_inc &&
    !/last refresh (INCREMENTAL|NO_DATA) · manual/.test(before.daily_revenue_inc)
  )
    failures.push(
      `the sidebar's last refresh of daily_revenue_inc is not the manual one: "${before.daily_revenue_inc}"`,
    );
  await sidebar.screenshot({ path: `/tmp/${prefix}-sidebar.png` });

  const lag = page.locator('dtlab-lag').first();
  const dotsBefore = await lag.locator('svg circle').count();
  const clockBefore = await page.evaluate(
    () => document.querySelector('dtlab-sidebar')?.shadowRoot?.querySelector('.clock')?.textContent,
  );
  await page.evaluate(() => window.dtlab.session.run('%dt clock +30m'));
  const moved = await page
    .waitForFunction(
      ([n, fullBefore]) => {
        const dots = document.querySelector('dtlab-lag')?.shadowRoot?.querySelectorAll('svg circle').length;
        const root = document.querySelector('dtlab-sidebar')?.shadowRoot;
        const full = root?.querySelector('li[data-name="daily_revenue_full"]')?.textContent;
        return dots > n && full?.replace(/\s+/g, ' ').trim() !== fullBefore;
      },
      [dotsBefore, before.daily_revenue_full],
      { timeout: 15_000 },
    )
    .then(() => true)
    .catch(() => false);
  const after = await sidebarRows(page);
  const dotsAfter = await lag.locator('svg circle').count();
  if (!moved)
    failures.push(
      `after %dt clock +30m the lag chart (${dotsBefore} → ${dotsAfter} points) or the sidebar did not follow: ${JSON.stringify(after)}`,
    );
  if (after.daily_revenue_inc && !/· scheduled ·/.test(after.daily_revenue_inc))
    failures.push(`the sidebar did not take the scheduled refreshes: "${after.daily_revenue_inc}"`);
  const clockAfter = await page.evaluate(
    () => document.querySelector('dtlab-sidebar')?.shadowRoot?.querySelector('.clock')?.textContent,
  );
  if (clockAfter === clockBefore) failures.push(`the sidebar's lesson clock did not move: ${clockAfter}`);
  console.log(`live: lag chart ${dotsBefore} → ${dotsAfter} points; sidebar ${JSON.stringify(after)}`);
  await sidebar.screenshot({ path: `/tmp/${prefix}-sidebar-after.png` });
  await lag.scrollIntoViewIfNeeded();
  await lag.screenshot({ path: `/tmp/${prefix}-lag-live.png` });
  return failures;
}
