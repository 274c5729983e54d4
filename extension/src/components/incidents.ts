/**
 * <dtlab-incidents>: `%dt alerts` — open and recent incidents, live while the page's engine runs (each
 * incident event replaces its row: opened, fired again, escalated, acknowledged, resolved), with Acknowledge and
 * Resolve buttons and a note field on the rows still open. Without the page's engine (a saved notebook, the
 * kernel runtime) it shows what was saved and how to act with `%dt alerts ack ID`. Colours are JupyterLab's theme
 * variables, so it reads in light and dark themes.
 */
import { css, html, LitElement } from 'lit';
import type { Subscription } from 'rxjs';
import type { Incident } from '../../../kernel-lib/dist/alerts/incidents.js';
import { foldIncidents } from '../../../kernel-lib/dist/display/alerts.js';
import { connection$ } from '../connection.js';
import { follow } from '../live.js';

const time = (ms: number | null) =>
  ms === null ? '' : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

export class DtlabIncidents extends LitElement {
  static override properties = {
    incidents: { attribute: false },
    error: { attribute: false },
  };
  declare incidents: Incident[];
  declare error: string;
  private subscription: Subscription | null = null;

  constructor() {
    super();
    this.incidents = [];
    this.error = '';
  }

  override connectedCallback(): void {
    super.connectedCallback();
    if (!this.subscription)
      this.subscription = follow(
        this,
        this.incidents,
        (list, e) => (e.type === 'incident' ? foldIncidents(list, e.incident) : list),
        (list) => (this.incidents = list),
      );
  }

  stopFollowing(): void {
    this.subscription?.unsubscribe();
    this.subscription = null;
  }

  /** Acts through the page's engine; the incident event that follows redraws the row. */
  private async act(id: number, verb: 'acknowledge' | 'resolve'): Promise<void> {
    const engine = connection$.value?.engine;
    if (!engine) return;
    const input = this.renderRoot.querySelector<HTMLInputElement>(`input[data-id="${id}"]`);
    const note = input?.value.trim() || null;
    try {
      await engine.alerts.incidents[verb](id, note, engine.clock.now());
      this.error = '';
    } catch (e) {
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  static override styles = css`
    :host { display: block; font-family: var(--jp-ui-font-family, sans-serif); font-size: var(--jp-ui-font-size1, 13px);
      color: var(--jp-ui-font-color1, #222); }
    table { border-collapse: collapse; }
    th, td { padding: 2px 8px; border-bottom: 1px solid var(--jp-border-color2, #e0e0e0); text-align: left; }
    th { color: var(--jp-ui-font-color2, #555); font-weight: 600; }
    .critical { color: var(--jp-error-color1, #d32f2f); font-weight: 600; }
    .warning { color: var(--jp-warn-color1, #e65100); }
    .info { color: var(--jp-info-color1, #0277bd); }
    .RESOLVED { color: var(--jp-ui-font-color2, #666); }
    button { font: inherit; color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color2, #eee);
      border: 1px solid var(--jp-border-color1, #bbb); border-radius: 2px; cursor: pointer; margin-right: 4px; }
    input { font: inherit; color: var(--jp-ui-font-color1, #222); background: var(--jp-layout-color1, #fff);
      border: 1px solid var(--jp-border-color1, #bbb); width: 10em; }
    .error { color: var(--jp-error-color1, #d32f2f); }
    .hint { color: var(--jp-ui-font-color2, #666); }
  `;

  override render() {
    const live = connection$.value !== undefined && this.dataset.dtlabLive === 'page';
    if (this.incidents.length === 0)
      return html`<p class="hint">No incidents: an alert opens one when it triggers.</p>`;
    const open = this.incidents.filter((i) => i.state !== 'RESOLVED').length;
    return html`<p>${open} open incident${open === 1 ? '' : 's'}${live ? '' : html` <span class="hint">(act with %dt alerts ack ID --note "…" / resolve ID)</span>`}</p>
      ${this.error ? html`<p class="error">${this.error}</p>` : ''}
      <table>
        <thead><tr><th>id</th><th>alert</th><th>severity</th><th>state</th><th>summary</th><th>opened</th>
          <th>fired</th><th>escalated</th><th>note</th>${live ? html`<th></th>` : ''}</tr></thead>
        <tbody>${this.incidents.map(
          (i) => html`<tr class=${i.state}>
            <td>${i.id}</td><td>${i.alert}</td><td class=${i.severity}>${i.severity}</td><td>${i.state}</td>
            <td>${i.summary}</td><td>${time(i.openedAt)}</td><td>${i.fireCount}×, last ${time(i.lastFiredAt)}</td>
            <td>${time(i.escalatedAt)}</td><td>${i.note ?? ''}</td>
            ${
              live
                ? html`<td>${
                    i.state === 'RESOLVED'
                      ? ''
                      : html`<input data-id=${i.id} placeholder="note" aria-label="note for incident ${i.id}">
                  ${i.state === 'OPEN' ? html`<button @click=${() => this.act(i.id, 'acknowledge')}>Acknowledge</button>` : ''}
                  <button @click=${() => this.act(i.id, 'resolve')}>Resolve</button>`
                  }</td>`
                : ''
            }
          </tr>`,
        )}</tbody>
      </table>`;
  }
}

if (!customElements.get('dtlab-incidents')) customElements.define('dtlab-incidents', DtlabIncidents);
