/** <dtlab-compare>: two dynamic tables side by side — same contents? and the work their refreshes did. */
import { css, html, LitElement } from 'lit';

export interface CompareData {
  a: string;
  b: string;
  equal: boolean;
  differingRows: number;
  totals: Record<string, Record<string, number>>;
  /** Each metric's label, in the order to show them (kernel-lib magics/compare.ts). */
  labels?: Record<string, string>;
  /** Which did less work, which cost less, and why, in words. */
  words?: string[];
}

/** Thousands separated, up to six decimals (credits are small numbers). */
const fmt = (x: number) => x.toLocaleString('en-US', { maximumFractionDigits: 6 });

/** "12.5×" when both are positive: how many times more the second did than the first. */
function ratio(x: number, y: number): string {
  if (!(x > 0 && y > 0)) return '';
  const r = y / x;
  return r >= 1 ? `${r.toFixed(r < 10 ? 1 : 0)}×` : `1/${(1 / r).toFixed(1 / r < 10 ? 1 : 0)}`;
}

export class DtlabCompare extends LitElement {
  static override properties = { data: { attribute: false } };
  declare data: CompareData | undefined;

  static override styles = css`
    :host { display: block; font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px; }
    .verdict { font-weight: 600; margin-bottom: 4px; }
    .equal { color: var(--jp-success-color1, #2e7d32); }
    .differ { color: var(--jp-error-color1, #c62828); }
    .words p { margin: 6px 0 0; max-width: 80ch; color: var(--jp-ui-font-color1, inherit); }
    table { border-collapse: collapse; }
    th, td { padding: 2px 10px; border-bottom: 1px solid var(--jp-border-color2, #ddd); text-align: right; }
    th:first-child, td:first-child { text-align: left; }
  `;

  override render() {
    const d = this.data;
    if (!d) return html``;
    const ta = d.totals[d.a] ?? {};
    const tb = d.totals[d.b] ?? {};
    return html`
      <div class="verdict ${d.equal ? 'equal' : 'differ'}">
        ${d.equal ? `✓ ${d.a} and ${d.b} have the same contents` : `✗ contents differ in ${d.differingRows} rows`}
      </div>
      <table>
        <thead><tr><th></th><th>${d.a}</th><th>${d.b}</th><th>${d.b} / ${d.a}</th></tr></thead>
        <tbody>
          ${Object.entries(d.labels ?? {}).map(([k, label]) => {
            const x = ta[k] ?? 0;
            const y = tb[k] ?? 0;
            return html`<tr><td>${label}</td><td>${fmt(x)}</td><td>${fmt(y)}</td><td>${ratio(x, y)}</td></tr>`;
          })}
        </tbody>
      </table>
      <div class="words">${(d.words ?? []).map((w) => html`<p>${w}</p>`)}</div>
    `;
  }
}

if (!customElements.get('dtlab-compare')) customElements.define('dtlab-compare', DtlabCompare);
