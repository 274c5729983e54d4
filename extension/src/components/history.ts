/**
 * <dtlab-history>: a refresh history as a paged table (action, trigger, reason, rows, time, credits). Live
 * when the output says so (`%dt history [NAME] [--limit N]`): each refresh that finishes afterwards goes on
 * top, so a history drawn before `%dt clock +1h` shows that hour's refreshes.
 */
import { html, LitElement } from 'lit';
import type { Subscription } from 'rxjs';
import { foldHistory, type HistoryView } from '../../../kernel-lib/dist/display/live.js';
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
  ['rowsInserted', 'rows_inserted', 'bigint'],
  ['rowsDeleted', 'rows_deleted', 'bigint'],
  ['executionMs', 'execution_ms', 'double'],
  ['creditsUsed', 'credits', 'double'],
  ['reason', 'reason', 'varchar'],
];

export function historyTable(records: RefreshRecord[]): TableData {
  return {
    columns: COLUMNS.map(([, name, type]) => ({ name, type })),
    rows: records.map((r) =>
      COLUMNS.map(([k]) =>
        k === 'executionMs'
          ? Math.round(r.executionMs * 10) / 10
          : k === 'reason'
            ? (r.reason ?? r.stateMessage)
            : r[k],
      ),
    ),
    rowCount: records.length,
    title: 'Refresh history',
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

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.subscription?.unsubscribe();
    this.subscription = null;
  }

  override render() {
    return this.view ? html`<dtlab-table .data=${historyTable(this.view.records)}></dtlab-table>` : html``;
  }
}

if (!customElements.get('dtlab-history')) customElements.define('dtlab-history', DtlabHistory);
