/**
 * <dtlab-monitor>: the monitor panel's charts, drawn by Observable Plot from kernel-lib's pure series
 * (display/monitor.ts): refresh duration by table and action, lag against target, error rate per lesson hour,
 * credits per warehouse, and row counts. Colours and text follow JupyterLab's theme variables; the plot
 * background is transparent.
 */
import * as Plot from '@observablehq/plot';
import { css, html, LitElement, type TemplateResult } from 'lit';
import { timestampMs } from '../../../kernel-lib/dist/display/graph.js';
import {
  creditsByWarehouse,
  durations,
  errorRates,
  type MonitorModel,
  rowCounts,
} from '../../../kernel-lib/dist/display/monitor.js';

const STYLE = { background: 'transparent', color: 'var(--jp-ui-font-color1)', fontSize: '11px' };

export class DtlabMonitor extends LitElement {
  static override properties = { model: { attribute: false }, note: { attribute: false } };
  declare model: MonitorModel | undefined;
  /** Shown instead of the charts (no engine in the page, or it could not be read). */
  declare note: string | undefined;

  static override styles = css`
    :host {
      display: block;
      height: 100%;
      overflow: auto;
      padding: 12px 16px;
      box-sizing: border-box;
      color: var(--jp-ui-font-color1);
      background: var(--jp-layout-color1);
      font-family: var(--jp-ui-font-family);
      font-size: var(--jp-ui-font-size1);
    }
    .grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 16px; }
    section { border: var(--jp-border-width) solid var(--jp-border-color2); border-radius: 4px; padding: 8px; }
    h3 { margin: 0 0 6px; font-size: var(--jp-ui-font-size1); font-weight: 600; }
    .sub, .empty { color: var(--jp-ui-font-color2); font-size: var(--jp-ui-font-size0); }
  `;

  private chart(title: string, sub: string, empty: boolean, plot: () => Element): TemplateResult {
    return html`<section>
      <h3>${title}</h3>
      <div class="sub">${sub}</div>
      ${empty ? html`<div class="empty">Nothing yet: move the clock (%dt clock +1h).</div>` : plot()}
    </section>`;
  }

  override render() {
    if (this.note || !this.model) return html`<div class="empty">${this.note ?? 'Reading the engine…'}</div>`;
    const m = this.model;
    const d = durations(m).map((p) => ({ ...p, at: new Date(p.t) }));
    const lag = m.lag
      .filter((p) => p.lagSeconds !== null)
      .map((p) => ({
        name: p.name,
        at: new Date(timestampMs(p.sampleTime)),
        lag: (p.lagSeconds as number) / 60,
      }));
    const targets = [...new Map(m.lag.map((p) => [p.name, p.targetLagSeconds])).entries()]
      .filter((e): e is [string, number] => e[1] !== null)
      .map(([name, t]) => ({ name, target: t / 60 }));
    const errors = errorRates(m).map((e) => ({ ...e, at: new Date(e.t), pct: e.rate * 100 }));
    const credits = creditsByWarehouse(m).map((c) => ({ ...c, at: new Date(c.t) }));
    const rows = rowCounts(m).map((r) => ({ ...r, at: new Date(r.t) }));
    const x = { type: 'utc' as const, label: 'lesson time (UTC)', tickFormat: '%H:%M' };
    const base = { width: 460, height: 200, marginLeft: 52, style: STYLE, x };
    return html`<div class="grid">
      ${this.chart(
        'Refresh duration',
        'seconds on the lesson clock, by table; shape = action',
        d.length === 0,
        () =>
          Plot.plot({
            ...base,
            y: { label: 'seconds', grid: true, zero: true },
            color: { legend: true },
            symbol: { legend: true },
            marks: [Plot.dot(d, { x: 'at', y: 'seconds', stroke: 'name', symbol: 'action', r: 3 })],
          }),
      )}
      ${this.chart('Lag vs target', 'minutes behind the sources; dashed = target', lag.length === 0, () =>
        Plot.plot({
          ...base,
          y: { label: 'lag (minutes)', grid: true, zero: true },
          color: { legend: true },
          marks: [
            Plot.ruleY(targets, { y: 'target', stroke: 'name', strokeDasharray: '4 3' }),
            Plot.line(lag, { x: 'at', y: 'lag', stroke: 'name' }),
          ],
        }),
      )}
      ${this.chart(
        'Error rate',
        'failed refreshes per lesson hour (FAILED, UPSTREAM_FAILED, CANCELLED)',
        errors.length === 0,
        () =>
          Plot.plot({
            ...base,
            y: { label: '% failed', grid: true, domain: [0, 100] },
            marks: [
              Plot.rectY(errors, {
                x1: 'at',
                x2: (e: { t: number }) => new Date(e.t + 3_600_000),
                y: 'pct',
                fill: '#e5484d',
              }),
            ],
          }),
      )}
      ${this.chart(
        'Credits by warehouse',
        'cumulative, one step per warehouse run (resume to auto-suspend)',
        credits.length === 0,
        () =>
          Plot.plot({
            ...base,
            y: { label: 'credits', grid: true, zero: true },
            color: { legend: true },
            marks: [
              Plot.line(credits, { x: 'at', y: 'credits', stroke: 'warehouse', curve: 'step-after' }),
              Plot.dot(credits, { x: 'at', y: 'credits', fill: 'warehouse', r: 2 }),
            ],
          }),
      )}
      ${this.chart('Row count', 'rows in each DT after each successful refresh', rows.length === 0, () =>
        Plot.plot({
          ...base,
          y: { label: 'rows', grid: true, zero: true },
          color: { legend: true },
          marks: [Plot.line(rows, { x: 'at', y: 'rows', stroke: 'name', curve: 'step-after' })],
        }),
      )}
    </div>`;
  }
}

if (!customElements.get('dtlab-monitor')) customElements.define('dtlab-monitor', DtlabMonitor);
