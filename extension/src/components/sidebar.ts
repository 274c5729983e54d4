/**
 * <dtlab-sidebar>: the "Dynamic Tables" panel — every DT with its scheduling state, actual lag against its
 * target lag (coloured: within target, beyond it, not refreshed, suspended) and its last refresh. Styled
 * with JupyterLab's CSS variables so it follows the theme. Lit escapes every value.
 */
import { css, html, LitElement } from 'lit';
import {
  formatSeconds,
  type LastRefresh,
  lagStatus,
  type SidebarModel,
  type SidebarRow,
} from '../../../kernel-lib/dist/display/live.js';
import type { NoticeModel } from '../../../kernel-lib/dist/display/notices.js';

/** 'YYYY-MM-DD HH:MM:SS[.ffffff]' → 'HH:MM:SS' (lesson time, UTC). */
const clockTime = (ts: string | null) => (ts ? ts.slice(11, 19) : '—');

export class DtlabSidebar extends LitElement {
  static override properties = {
    model: { attribute: false },
    connected: { attribute: false },
    clock: { attribute: false },
    notices: { attribute: false },
  };
  /** Notebook-channel messages: the unread count (a badge) and the newest one. */
  declare notices: NoticeModel;
  declare model: SidebarModel;
  declare connected: boolean;
  /** The lesson clock, 'YYYY-MM-DD HH:MM:SS', when an engine is connected. */
  declare clock: string | null;

  constructor() {
    super();
    this.model = { rows: [], last: {} };
    this.connected = false;
    this.clock = null;
    this.notices = { unread: 0, last: null };
  }

  static override styles = css`
    :host {
      display: block;
      height: 100%;
      overflow-y: auto;
      color: var(--jp-ui-font-color1);
      background: var(--jp-layout-color1);
      font-family: var(--jp-ui-font-family);
      font-size: var(--jp-ui-font-size1);
    }
    header {
      padding: 8px 12px 6px;
      border-bottom: var(--jp-border-width) solid var(--jp-border-color2);
    }
    h2 {
      margin: 0;
      font-size: var(--jp-ui-font-size0);
      font-weight: 600;
      letter-spacing: 1px;
      text-transform: uppercase;
      color: var(--jp-ui-font-color1);
    }
    .clock, .empty, .sub {
      color: var(--jp-ui-font-color2);
      font-size: var(--jp-ui-font-size0);
    }
    .empty { padding: 12px; line-height: 1.5; }
    code { font-family: var(--jp-code-font-family); font-size: var(--jp-code-font-size); }
    ul { list-style: none; margin: 0; padding: 0; }
    li {
      padding: 6px 12px;
      border-bottom: var(--jp-border-width) solid var(--jp-border-color2);
    }
    li:hover { background: var(--jp-layout-color2); }
    .line { display: flex; align-items: center; gap: 6px; }
    .name { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; flex: 1; }
    .dot { width: 8px; height: 8px; border-radius: 50%; flex: none; }
    .fresh .dot { background: var(--jp-success-color1); }
    .late .dot { background: var(--jp-warn-color1); }
    .pending .dot { background: var(--jp-brand-color2); }
    .suspended .dot { background: var(--jp-ui-font-color3); }
    .state {
      font-size: var(--jp-ui-font-size0);
      padding: 0 4px;
      border-radius: 2px;
      border: var(--jp-border-width) solid var(--jp-border-color1);
      color: var(--jp-ui-font-color2);
    }
    .state.SUSPENDED { color: var(--jp-warn-color1); border-color: var(--jp-warn-color1); }
    .lag { margin-top: 2px; }
    .late .lag b { color: var(--jp-warn-color1); }
    .failed { color: var(--jp-error-color1); }
    .notice { margin-top: 4px; display: flex; gap: 6px; align-items: baseline; }
    .badge {
      border: none;
      cursor: pointer;
      min-width: 16px;
      padding: 0 5px;
      border-radius: 8px;
      background: var(--jp-brand-color1);
      color: var(--jp-ui-inverse-font-color1);
      font-size: var(--jp-ui-font-size0);
    }
    .notice .text { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
  `;

  override render() {
    const { rows } = this.model;
    return html`
      <header>
        <h2>Dynamic Tables</h2>
        <div class="clock">${this.clock ? `lesson clock ${this.clock.slice(0, 19)} UTC` : 'no engine yet'}</div>
        ${this.notice()}
      </header>
      ${
        rows.length === 0
          ? html`<div class="empty">${
              this.connected
                ? html`No dynamic tables yet. Create one with a <code>%%dynamic_table</code> cell.`
                : html`The engine starts with the first magic cell (<code>%%dynamic_table</code>, <code>%%sql</code>, <code>%dt</code>).`
            }</div>`
          : html`<ul>${rows.map((r) => this.row(r, this.model.last[r.name]))}</ul>`
      }
    `;
  }

  /** The newest notebook-channel message, with the unread count as a badge (a click marks them read). */
  private notice() {
    const { unread, last } = this.notices;
    if (!last) return '';
    const read = () => this.dispatchEvent(new CustomEvent('dtlab-read-notices'));
    return html`<div class="notice sub" title=${last.body}>
      ${unread > 0 ? html`<button class="badge" title="mark as read" @click=${read}>${unread}</button>` : ''}
      <span class="text">${last.integration}: ${last.subject ? `${last.subject} — ` : ''}${last.body}</span>
    </div>`;
  }

  private row(r: SidebarRow, last: LastRefresh | undefined) {
    const status = lagStatus(r);
    const title = `${r.name}: ${r.refreshMode}, target lag ${r.targetLag}, ${r.state}; data timestamp ${r.dataTimestamp ?? '—'}`;
    return html`<li class=${status} data-name=${r.name} title=${title}>
      <div class="line">
        <span class="dot"></span>
        <span class="name">${r.name}</span>
        <span class="state ${r.state}">${r.state}</span>
      </div>
      <div class="lag sub">lag <b>${formatSeconds(r.lagSeconds)}</b> / target ${r.targetLag} · ${r.refreshMode}</div>
      <div class="last sub">${this.last(last)}</div>
    </li>`;
  }

  private last(l: LastRefresh | undefined) {
    if (!l) return 'no refresh yet';
    if (l.state !== 'SUCCEEDED')
      return html`last refresh <span class="failed">${l.state}</span> ${clockTime(l.endTime)}${l.reason ? html` — ${l.reason}` : ''}`;
    return html`last refresh ${l.action ?? '—'} · ${l.trigger.toLowerCase()} · ${clockTime(l.endTime)}`;
  }
}

if (!customElements.get('dtlab-sidebar')) customElements.define('dtlab-sidebar', DtlabSidebar);
