/** <dtlab-table>: a result set, paged, numbers right-aligned, NULL shown as such. Lit escapes all values. */
import { css, html, LitElement } from 'lit';

export interface TableData {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  rowCount: number;
  title?: string;
}

const PAGE = 20;
const NUMERIC = /^(integer|bigint|smallint|tinyint|hugeint|double|float|real|decimal|numeric)/i;

export class DtlabTable extends LitElement {
  static override properties = { data: { attribute: false }, page: { state: true } };
  declare data: TableData | undefined;
  declare page: number;

  constructor() {
    super();
    this.page = 0;
  }

  static override styles = css`
    :host { display: block; font-family: var(--jp-code-font-family, monospace); font-size: 12px; }
    table { border-collapse: collapse; }
    th, td { padding: 2px 8px; border-bottom: 1px solid var(--jp-border-color2, #ddd); text-align: left; white-space: nowrap; max-width: 40em; overflow: hidden; text-overflow: ellipsis; }
    th { font-weight: 600; border-bottom-color: var(--jp-border-color1, #999); }
    th small { font-weight: 400; color: var(--jp-content-font-color2, #777); }
    td.num { text-align: right; }
    td.null { color: var(--jp-content-font-color3, #aaa); font-style: italic; }
    .title { font-weight: 600; margin-bottom: 4px; font-family: var(--jp-ui-font-family, sans-serif); }
    .pager { margin-top: 4px; display: flex; gap: 8px; align-items: center; font-family: var(--jp-ui-font-family, sans-serif); }
    button { font-size: 11px; }
  `;

  override render() {
    const d = this.data;
    if (!d) return html``;
    const pages = Math.max(1, Math.ceil(d.rows.length / PAGE));
    const page = Math.min(this.page, pages - 1);
    const rows = d.rows.slice(page * PAGE, (page + 1) * PAGE);
    const numeric = d.columns.map((c) => NUMERIC.test(c.type));
    const first = d.rows.length === 0 ? 0 : page * PAGE + 1;
    return html`
      ${d.title ? html`<div class="title">${d.title}</div>` : ''}
      <table>
        <thead><tr>${d.columns.map((c) => html`<th title=${c.type}>${c.name} <small>${c.type}</small></th>`)}</tr></thead>
        <tbody>
          ${rows.map(
            (r) =>
              html`<tr>${r.map((v, i) =>
                v === null
                  ? html`<td class="null">NULL</td>`
                  : html`<td class=${numeric[i] ? 'num' : ''}>${typeof v === 'object' ? JSON.stringify(v) : String(v)}</td>`,
              )}</tr>`,
          )}
        </tbody>
      </table>
      <div class="pager">
        <span>rows ${first}–${page * PAGE + rows.length} of ${d.rowCount}${d.rowCount > d.rows.length ? ` (first ${d.rows.length} kept)` : ''}</span>
        ${
          pages > 1
            ? html`<button ?disabled=${page === 0} @click=${() => (this.page = page - 1)}>‹ prev</button>
              <button ?disabled=${page >= pages - 1} @click=${() => (this.page = page + 1)}>next ›</button>`
            : ''
        }
      </div>
    `;
  }
}

if (!customElements.get('dtlab-table')) customElements.define('dtlab-table', DtlabTable);
