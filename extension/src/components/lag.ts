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

/** "13:05" (24-hour, UTC), with the day when the tick is at midnight. */
export function hhmm(d: Date): string {
  const iso = d.toISOString();
  return iso.slice(11, 16) === '00:00' ? iso.slice(5, 10) : iso.slice(11, 16);
}

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
      height: 280,
      marginLeft: 50,
      marginBottom: 44,
      // The theme's colours, not Plot's white background and black text (dark themes).
      style: { background: 'transparent', color: 'var(--jp-ui-font-color1, currentColor)' },
      x: {
        type: 'utc',
        label: 'lesson time (UTC)',
        labelAnchor: 'center',
        labelArrow: 'none',
        labelOffset: 38,
        ticks: 6,
        tickFormat: hhmm,
      },
      y: { label: 'lag (minutes)', grid: true, zero: true },
      color: { legend: true },
      marks: [
        Plot.ruleY(targets, { y: 'target', stroke: 'name', strokeDasharray: '4 3' }),
        // Lag grows linearly between samples (now − data timestamp) and drops at a refresh: straight lines
        // between the samples draw the sawtooth.
        Plot.line(data, { x: 't', y: 'lag', stroke: 'name', curve: 'linear' }),
        Plot.dot(data, { x: 't', y: 'lag', fill: 'name', r: 1.5 }),
      ],
    });
    return html`${chart}`;
  }
}

if (!customElements.get('dtlab-lag')) customElements.define('dtlab-lag', DtlabLag);
