/**
 * <dtlab-history>: a refresh history as a timeline (a lane per DT, a mark per refresh coloured by what it did;
 * hover for the details) over a paged table (action, trigger, reason, rows, time, credits, expectations). Live
 * when the output says so (`%dt history [NAME] [--limit N]`): each refresh that finishes afterwards goes on
 * top, so a history drawn before `%dt clock +1h` shows that hour's refreshes.
 */
import { css, html, LitElement, svg } from 'lit';
import type { Subscription } from 'rxjs';
import { expectationsText } from '../../../kernel-lib/dist/display/history.js';
import { foldHistory, type HistoryView } from '../../../kernel-lib/dist/display/live.js';
import { LANE_HEIGHT, MARK_COLOURS, refreshTimeline } from '../../../kernel-lib/dist/display/timeline.js';
import type { RefreshRecord } from '../../../kernel-lib/dist/magics/browser.js';
import { follow } from '../live.js';
import type { TableData } from './table.js';
import './table.js';

const COLUMNS: [keyof RefreshRecord, string, string][] = [
  ['name', 'name', 'varchar'],
  ['state', 'state', 'varchar'],
  ['refreshAction', 'action', 'varchar'],
  ['refreshTrigger', 'trigger', 'varchar'],
  ['dataTimestamp', 'data_timestamp', 'timestamp'],
  ['rowsRead', 'source_rows_read', 'bigint'],
  ['rowsInserted', 'rows_inserted', 'bigint'],
  ['rowsDeleted', 'rows_deleted', 'bigint'],
  ['executionMs', 'execution_ms', 'double'],
  ['creditsUsed', 'credits', 'double'],
  ['reason', 'reason', 'varchar'],
  ['expectations', 'expectations', 'varchar'],
];

export function historyTable(records: RefreshRecord[], total?: number): TableData {
  return {
    columns: COLUMNS.map(([, name, type]) => ({ name, type })),
    rows: records.map((r) =>
      COLUMNS.map(([k]) =>
        k === 'executionMs'
          ? Math.round(r.executionMs * 10) / 10
          : k === 'reason'
            ? (r.reason ?? r.stateMessage)
            : k === 'expectations'
              ? expectationsText(r)
              : r[k],
      ),
    ),
    rowCount: records.length,
    title:
      total !== undefined && total > records.length
        ? `Refresh history: the latest ${records.length} of ${total} refreshes`
        : 'Refresh history',
  };
}

export class DtlabHistory extends LitElement {
  static override properties = { view: { attribute: false }, live: { attribute: false } };
  declare view: HistoryView | undefined;
  declare live: boolean;
  private subscription: Subscription | null = null;

  constructor() {
    super();
    this.live = false;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.live && this.view && !this.subscription)
      this.subscription = follow(this, this.view, foldHistory, (v) => (this.view = v));
  }

  // Following goes on while JupyterLab detaches the cell (windowed notebooks, a closed tab): events missed
  // then would leave the output stale. It stops when the output is disposed (mime.ts).
  stopFollowing(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
  }

  static override styles = css`
    :host { display: block; font-family: var(--jp-ui-font-family, sans-serif); }
    svg { display: block; max-width: 100%; height: auto; margin-bottom: 4px; font-size: 11px; }
    text { fill: var(--jp-content-font-color1, #222); }
    .axis { fill: var(--jp-content-font-color2, #555); }
    line { stroke: var(--jp-border-color2, #e5e5e5); }
  `;

  override render() {
    if (!this.view) return html``;
    return html`${this.timeline()}<dtlab-table .data=${historyTable(this.view.records, this.view.total)}></dtlab-table>`;
  }

  private timeline() {
    const t = refreshTimeline(this.view?.records ?? []);
    if (!t) return '';
    let lx = t.left;
    const legend = t.kinds.map((k) => {
      const x = lx;
      lx += 24 + k.length * 7;
      return svg`<rect x=${x} y="4" width="10" height="10" fill=${MARK_COLOURS[k]}></rect><text x=${x + 14} y="13">${k}</text>`;
    });
    return html`<svg class="timeline" viewBox="0 0 ${t.width} ${t.height}" width=${t.width} height=${t.height} role="img" aria-label="refresh timeline">
      ${legend}
      ${t.lanes.map(
        (
          l,
        ) => svg`<line x1=${t.left} x2=${t.width - 10} y1=${l.y + LANE_HEIGHT / 2} y2=${l.y + LANE_HEIGHT / 2}></line>
          <text x=${t.left - 6} y=${l.y + 13} text-anchor="end">${l.name}</text>`,
      )}
      ${t.marks.map(
        (m) =>
          svg`<rect class="mark" data-kind=${m.kind} x=${m.x} y=${m.y} width=${m.width} height=${LANE_HEIGHT - 6} fill=${MARK_COLOURS[m.kind]}><title>${m.title}</title></rect>`,
      )}
      <text class="axis" x=${t.left} y=${t.height - 4}>${t.from}</text>
      <text class="axis" x=${t.width - 10} y=${t.height - 4} text-anchor="end">${t.to} UTC</text>
    </svg>`;
  }
}

if (!customElements.get('dtlab-history')) customElements.define('dtlab-history', DtlabHistory);
