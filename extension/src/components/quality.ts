/**
 * <dtlab-quality>: the validation console of `%dt quality [NAME]`. Per table: its score and state (HEALTHY /
 * WARNING / ERROR), the score trend over lesson time (one line per table, the 80 and 95 thresholds dashed),
 * each rule (a metric with its expectation, or a DT expectation) with its latest value, its pass rate over
 * time as a strip of marks, and the failing-row sample of a violated rule. Live: every `quality` event the
 * engine publishes afterwards (a scheduled or triggered evaluation, a DT refresh with expectations) is
 * folded in (display/quality.ts). Colours are JupyterLab theme variables only, so it reads in light and dark.
 */
import { css, html, LitElement, svg } from 'lit';
import type { Subscription } from 'rxjs';
import {
  foldQuality,
  iso,
  pct,
  type QualityView,
  type RuleView,
  STATE_COLOUR,
  trendChart,
} from '../../../kernel-lib/dist/display/quality.js';
import { follow } from '../live.js';
import type { TableData } from './table.js';
import './table.js';

export class DtlabQuality extends LitElement {
  static override properties = { view: { attribute: false }, live: { attribute: false } };
  declare view: QualityView | undefined;
  declare live: boolean;
  private subscription: Subscription | null = null;

  constructor() {
    super();
    this.live = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.live && this.view && !this.subscription)
      this.subscription = follow(this, this.view, foldQuality, (v) => (this.view = v));
  }

  stopFollowing(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
  }

  static override styles = css`
    :host { display: block; font-family: var(--jp-ui-font-family, sans-serif); color: var(--jp-ui-font-color1, inherit); }
    svg { display: block; max-width: 100%; height: auto; font-size: 11px; }
    svg text { fill: var(--jp-ui-font-color1, currentColor); }
    .grid { stroke: var(--jp-border-color2, currentColor); stroke-opacity: 0.6; }
    .cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 4px 0 8px; }
    .card { border: 1px solid var(--jp-border-color2, currentColor); border-left-width: 4px; padding: 4px 8px; border-radius: 2px; background: var(--jp-layout-color1, transparent); }
    .score { font-size: 18px; font-weight: 600; }
    table.rules { border-collapse: collapse; font-size: 12px; margin: 4px 0; }
    table.rules th, table.rules td { border-bottom: 1px solid var(--jp-border-color2, currentColor); padding: 2px 8px; text-align: left; }
    .pass { fill: var(--jp-success-color1, currentColor); }
    .fail { fill: var(--jp-error-color1, currentColor); }
    .partial { fill: var(--jp-warn-color1, currentColor); }
    .empty, .muted { color: var(--jp-ui-font-color2, inherit); }
    h4 { margin: 8px 0 2px; font-size: 13px; }
  `;

  override render() {
    const v = this.view;
    if (!v || v.tables.length === 0)
      return html`<div class="empty">No data metric function or expectation has been measured yet.</div>`;
    return html`<div class="cards">${v.tables.map(
      (t) => html`<div class="card" style="border-left-color: ${STATE_COLOUR[t.state] ?? 'currentColor'}">
        <div>${t.table}</div>
        <div class="score" style="color: ${STATE_COLOUR[t.state] ?? 'inherit'}">${t.score ?? '—'} <small>${t.state}</small></div>
        <div class="muted">${t.checks - t.failing}/${t.checks} checks met · ${iso(t.measuredAt)}</div>
      </div>`,
    )}</div>
    ${this.trend()}
    ${v.tables.map(
      (t) => html`<h4>${t.table}: rules</h4>
        <table class="rules"><thead><tr><th>rule</th><th>value</th><th>pass rate</th><th>over time</th></tr></thead>
        <tbody>${t.rules.map(
          (r) =>
            html`<tr><td>${r.rule}</td><td>${r.value ?? 'NULL'}</td><td>${pct(r.passRate)}</td><td>${strip(r)}</td></tr>`,
        )}</tbody></table>
        ${t.rules
          .filter((r) => r.sample && r.sample.length > 0)
          .map((r) => html`<dtlab-table .data=${sampleTable(t.table, r)}></dtlab-table>`)}`,
    )}`;
  }

  private trend() {
    const c = this.view ? trendChart(this.view) : null;
    if (!c) return '';
    return html`<svg viewBox="0 0 ${c.width} ${c.height}" width=${c.width} height=${c.height} role="img" aria-label="quality score over lesson time">
      ${c.grid.map(
        (
          g,
        ) => svg`<line class="grid" x1=${c.left} x2=${c.right} y1=${g.y} y2=${g.y} stroke-dasharray=${g.threshold ? '4 3' : ''}></line>
          <text x=${c.left - 4} y=${g.y + 4} text-anchor="end">${g.score}</text>`,
      )}
      ${c.lines.map(
        (l, i) => svg`<path d=${l.d} fill="none" style="stroke: ${l.colour}" stroke-width="2"></path>
          ${l.points.map((p) => svg`<circle cx=${p.x} cy=${p.y} r="2.5" style="fill: ${l.colour}"><title>${p.title}</title></circle>`)}
          <text x=${c.right + 6} y=${22 + i * 14} style="fill: ${l.stateColour}">● ${l.label}</text>`,
      )}
      <text x=${c.left} y=${c.height - 8}>${c.from}</text>
      <text x=${c.right} y=${c.height - 8} text-anchor="end">${c.to} UTC</text>
    </svg>`;
  }
}

/** A rule's pass rate over time: one mark per evaluation (the last 60), full height = passed. */
function strip(r: RuleView) {
  const h = r.history.slice(-60);
  if (h.length === 0) return html`<span class="muted">—</span>`;
  return html`<svg width=${h.length * 4} height="14" role="img" aria-label="pass rate over time">${h.map(
    ([at, rate], i) =>
      svg`<rect class=${rate >= 1 ? 'pass' : rate <= 0 ? 'fail' : 'partial'} x=${i * 4} y=${14 - Math.max(2, rate * 14)} width="3" height=${Math.max(2, rate * 14)}><title>${iso(at)}: ${pct(rate)}</title></rect>`,
  )}</svg>`;
}

function sampleTable(table: string, r: RuleView): TableData {
  const rows = r.sample ?? [];
  const cols = Object.keys(rows[0] ?? {});
  return {
    columns: cols.map((name) => ({ name, type: 'varchar' })),
    rows: rows.map((row) => cols.map((c) => row[c] ?? null)),
    rowCount: rows.length,
    title: `${table}: failing rows of ${r.rule}`,
  };
}

if (!customElements.get('dtlab-quality')) customElements.define('dtlab-quality', DtlabQuality);
