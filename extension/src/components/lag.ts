/**
 * <dtlab-lag>: actual lag over time per dynamic table, with each one's target as a dashed rule, drawn by
 * Observable Plot (SVG). Plot builds DOM from the data; no markup is parsed from it. Live: the lag samples
 * the scheduler takes after the chart was drawn (of the DTs it shows) are added as they arrive.
 */
import * as Plot from '@observablehq/plot';
import { css, html, LitElement } from 'lit';
import type { Subscription } from 'rxjs';
import { foldLag, type LagView } from '../../../kernel-lib/dist/display/live.js';
import { follow } from '../live.js';

/** Catalog timestamps are UTC 'YYYY-MM-DD HH:MM:SS[.ffffff]'. */
const time = (ts: string) => new Date(`${ts.replace(' ', 'T')}Z`);

export class DtlabLag extends LitElement {
  static override properties = { view: { attribute: false } };
  declare view: LagView | undefined;
  private live: Subscription | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.view && !this.live) this.live = follow(this, this.view, foldLag, (v) => (this.view = v));
  }

  // Following goes on while JupyterLab detaches the cell (windowed notebooks, a closed tab): events missed
  // then would leave the output stale. It stops when the output is disposed (mime.ts).
  stopFollowing(): void {
    this.live?.unsubscribe();
    this.live = null;
  }

  static override styles = css`
    :host { display: block; font-family: var(--jp-ui-font-family, sans-serif); }
    .empty { color: var(--jp-content-font-color2, #555); }
  `;

  override render() {
    const points = (this.view?.points ?? []).filter((p) => p.lagSeconds !== null);
    if (points.length === 0)
      return html`<div class="empty">No lag samples yet: move the clock (%dt clock +1h).</div>`;
    const targets = [...new Map(points.map((p) => [p.name, p.targetLagSeconds])).entries()]
      .filter((e): e is [string, number] => e[1] !== null)
      .map(([name, target]) => ({ name, target: target / 60 }));
    const data = points.map((p) => ({
      name: p.name,
      t: time(p.sampleTime),
      lag: (p.lagSeconds as number) / 60,
    }));
    const chart = Plot.plot({
      width: 720,
      height: 260,
      marginLeft: 50,
      x: { type: 'utc', label: 'lesson time (UTC)' },
      y: { label: 'lag (minutes)', grid: true, zero: true },
      color: { legend: true },
      marks: [
        Plot.ruleY(targets, { y: 'target', stroke: 'name', strokeDasharray: '4 3' }),
        Plot.line(data, { x: 't', y: 'lag', stroke: 'name', curve: 'step-after' }),
        Plot.dot(data, { x: 't', y: 'lag', fill: 'name', r: 1.5 }),
      ],
    });
    return html`${chart}`;
  }
}

if (!customElements.get('dtlab-lag')) customElements.define('dtlab-lag', DtlabLag);
