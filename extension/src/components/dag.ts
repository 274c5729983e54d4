/**
 * <dtlab-dag>: the dependency graph as SVG. Sources are grey, dynamic tables coloured by lag vs target;
 * click a node for its details. Lit templates escape every value, so names from data never become markup.
 */
import { css, html, LitElement, svg } from 'lit';
import type { Subscription } from 'rxjs';
// The folds' module, not kernel-lib's browser entry: that would pull the engine into the renderers' chunk.
import { catchUpDag, foldDag } from '../../../kernel-lib/dist/display/live.js';
import type { DagModel, DagNode } from '../../../kernel-lib/dist/magics/browser.js';
import { follow } from '../live.js';
import { fmtLag, lagStatus, layoutDag, nodeSubtitle } from './dag-layout.js';

export class DtlabDag extends LitElement {
  static override properties = { model: { attribute: false }, selected: { state: true } };
  declare model: DagModel | undefined;
  declare selected: string | undefined;
  private live: Subscription | null = null;

  override connectedCallback(): void {
    super.connectedCallback();
    if (this.model && !this.live)
      this.live = follow(
        this,
        this.model,
        foldDag,
        (m) => (this.model = m),
        async ({ engine }) => {
          const dts = await engine.listDynamicTables();
          return (m) => catchUpDag(m, dts, engine.clock.now());
        },
      );
  }

  // Following goes on while JupyterLab detaches the cell (windowed notebooks, a closed tab): events missed
  // then would leave the output stale. It stops when the output is disposed (mime.ts).
  stopFollowing(): void {
    this.live?.unsubscribe();
    this.live = null;
  }

  static override styles = css`
    :host { display: block; font-family: var(--jp-ui-font-family, sans-serif); font-size: 12px; }
    svg { max-width: 100%; height: auto; }
    rect { stroke-width: 1.5; cursor: pointer; rx: 6; }
    .source rect { fill: var(--jp-layout-color2, #eee); stroke: var(--jp-border-color1, #999); }
    /* Translucent fills over the theme's background, so the nodes read in light and dark themes alike. */
    .fresh rect { fill: rgba(76, 175, 80, 0.18); stroke: #43a047; }
    .late rect { fill: rgba(255, 152, 0, 0.2); stroke: #ef6c00; }
    .pending rect { fill: rgba(92, 107, 192, 0.16); stroke: #7986cb; stroke-dasharray: 4 3; }
    .suspended rect { fill: rgba(158, 158, 158, 0.16); stroke: #9e9e9e; stroke-dasharray: 2 2; }
    .selected rect { stroke-width: 3; }
    text { fill: var(--jp-content-font-color1, #222); pointer-events: none; }
    .sub { fill: var(--jp-content-font-color2, #555); font-size: 10px; }
    path { fill: none; stroke: var(--jp-border-color1, #888); stroke-width: 1.5; }
    .details { margin-top: 4px; padding: 6px 8px; border-left: 3px solid var(--jp-brand-color1, #1976d2); }
    .empty { color: var(--jp-content-font-color2, #555); }
  `;

  override render() {
    const model = this.model;
    if (!model || model.nodes.length === 0) return html`<div class="empty">No dynamic tables yet.</div>`;
    const l = layoutDag(model);
    const chosen = model.nodes.find((n) => n.id === this.selected);
    return html`
      <svg viewBox="0 0 ${l.width} ${l.height}" width=${l.width} height=${l.height} role="img" aria-label="dynamic table graph">
        <defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" /></marker></defs>
        ${l.edges.map((e) => svg`<path marker-end="url(#arrow)" d=${e.points.map((p, i) => `${i ? 'L' : 'M'}${p.x},${p.y}`).join(' ')}></path>`)}
        ${l.nodes.map(
          (
            p,
          ) => svg`<g class="node ${lagStatus(p.node)} ${p.node.id === this.selected ? 'selected' : ''}" data-name=${p.node.id}
              @click=${() => this.select(p.node)}>
            <rect x=${p.x} y=${p.y} width=${p.width} height=${p.height}></rect>
            <text x=${p.x + 10} y=${p.y + 18}>${p.node.id}</text>
            <text class="sub" x=${p.x + 10} y=${p.y + 33}>${nodeSubtitle(p.node)}</text>
          </g>`,
        )}
      </svg>
      ${chosen ? html`<div class="details">${details(chosen)}</div>` : ''}
    `;
  }

  private select(n: DagNode): void {
    this.selected = this.selected === n.id ? undefined : n.id;
  }
}

function details(n: DagNode) {
  if (n.kind !== 'DYNAMIC TABLE')
    return html`<b>${n.id}</b>: a ${n.kind.toLowerCase()} read by dynamic tables`;
  return html`<b>${n.id}</b>: ${n.refreshMode} refresh, target lag ${n.targetLag}, ${n.state}; data timestamp
    ${n.dataTimestamp ?? '—'}; lag ${fmtLag(n.lagSeconds)}`;
}

if (!customElements.get('dtlab-dag')) customElements.define('dtlab-dag', DtlabDag);
