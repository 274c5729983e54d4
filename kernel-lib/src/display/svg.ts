/**
 * Static SVG snapshots of the DAG and the lag chart: the fallback a notebook keeps for viewers without the
 * extension (GitHub, nbviewer, JupyterLab without DT Lab), inside the bundle's text/html. Built as text from
 * numbers we compute and names we escape: no script, no event attributes, no markup from data. Pure.
 */
import { escapeHtml } from './bundle.js';
import type { DagModel, DagNode } from './graph.js';
import type { LagPoint } from './history.js';
import { formatSeconds, lagStatus } from './live.js';

/** Observable's tableau10, the lag chart widget's palette too. */
const PALETTE = ['#4e79a7', '#f28e2c', '#e15759', '#76b7b2', '#59a14f', '#edc949', '#af7aa1', '#ff9da7'];

const FONT = 'font-family="sans-serif" font-size="11"';

const num = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

const FILL: Record<string, [string, string]> = {
  source: ['#eeeeee', '#999999'],
  fresh: ['#e3f4e1', '#2e7d32'],
  late: ['#fff1dc', '#e65100'],
  pending: ['#eef2fb', '#5c6bc0'],
  suspended: ['#f3f3f3', '#757575'],
};

function subtitle(n: DagNode): string {
  if (n.kind !== 'DYNAMIC TABLE') return n.kind.toLowerCase();
  return `${n.refreshMode} · lag ${formatSeconds(n.lagSeconds)} / ${n.targetLag}`;
}

/**
 * The DAG left to right: a node's column is the longest path to it from a source, rows in order of
 * appearance; edges are curves from a source's right side to its reader's left side.
 */
export function dagSvg(model: DagModel): string {
  const rank = new Map<string, number>(model.nodes.map((n) => [n.id, 0]));
  // Longest path by relaxation: at most |nodes| rounds (the catalog refuses cycles; the bound guards anyway).
  for (let round = 0; round < model.nodes.length; round++) {
    let changed = false;
    for (const e of model.edges) {
      const r = (rank.get(e.from) ?? 0) + 1;
      if (r > (rank.get(e.to) ?? 0)) {
        rank.set(e.to, r);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const depth = Math.max(0, ...rank.values());
  const columns: DagNode[][] = Array.from({ length: depth + 1 }, () => []);
  for (const n of model.nodes) columns[rank.get(n.id) ?? 0]?.push(n);
  const nodeH = 40;
  const gapY = 16;
  const gapX = 60;
  const widths = columns.map((col) =>
    Math.max(...col.map((n) => Math.max(n.id.length * 7.5, subtitle(n).length * 5.4) + 20)),
  );
  const place = new Map<string, { x: number; y: number; w: number }>();
  let x = 10;
  for (const [i, col] of columns.entries()) {
    const w = widths[i] ?? 0;
    for (const [j, n] of col.entries()) place.set(n.id, { x, y: 10 + j * (nodeH + gapY), w });
    x += w + gapX;
  }
  const width = Math.ceil(x - gapX + 10);
  const height = 20 + Math.max(1, ...columns.map((c) => c.length)) * (nodeH + gapY) - gapY;
  const edges = model.edges.map((e) => {
    const a = place.get(e.from);
    const b = place.get(e.to);
    if (!a || !b) return '';
    const [x1, y1, x2, y2] = [a.x + a.w, a.y + nodeH / 2, b.x, b.y + nodeH / 2];
    const mid = (x1 + x2) / 2;
    return `<path d="M${num(x1)},${num(y1)} C${num(mid)},${num(y1)} ${num(mid)},${num(y2)} ${num(x2)},${num(y2)}" fill="none" stroke="#888888" stroke-width="1.5" marker-end="url(#dtlab-arrow)"/>`;
  });
  const nodes = model.nodes.map((n) => {
    const p = place.get(n.id);
    if (!p) return '';
    const [fill, stroke] = FILL[n.kind === 'DYNAMIC TABLE' ? lagStatus(n) : 'source'] ?? ['#fff', '#999'];
    return [
      `<g><title>${escapeHtml(`${n.id}: ${subtitle(n)}`)}</title>`,
      `<rect x="${num(p.x)}" y="${p.y}" width="${num(p.w)}" height="${nodeH}" rx="6" fill="${fill}" stroke="${stroke}" stroke-width="1.5"/>`,
      `<text x="${num(p.x + 10)}" y="${p.y + 17}" fill="#222222">${escapeHtml(n.id)}</text>`,
      `<text x="${num(p.x + 10)}" y="${p.y + 31}" fill="#555555" font-size="10">${escapeHtml(subtitle(n))}</text></g>`,
    ].join('');
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="dtlab-dag" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} role="img" aria-label="dynamic table graph">`,
    '<defs><marker id="dtlab-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#888888"/></marker></defs>',
    ...edges,
    ...nodes,
    '</svg>',
  ].join('');
}

/** Round ticks from 0 to at most `max`, about four of them: steps of 1, 2 or 5 × 10^k. */
function niceTicks(max: number): number[] {
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((f) => f * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) ticks.push(Math.round(v * 1e6) / 1e6);
  return ticks;
}

/** Catalog timestamps are UTC 'YYYY-MM-DD HH:MM:SS[.ffffff]'. */
const ms = (ts: string) => Date.parse(`${ts.replace(' ', 'T')}Z`);

/**
 * Lag (minutes) over lesson time per DT as lines between its samples (the sawtooth), each DT's target lag a dashed rule of its colour,
 * a legend, y ticks and the first and last sample times. Null lags (never refreshed) are left out.
 */
export function lagSvg(points: LagPoint[]): string {
  const samples = points.filter((p) => p.lagSeconds !== null && Number.isFinite(ms(p.sampleTime)));
  const names = [...new Set(samples.map((p) => p.name))].sort();
  const W = 640;
  const H = 240;
  const m = { left: 46, right: 12, top: 28, bottom: 30 };
  if (samples.length === 0)
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40" ${FONT}><text x="4" y="24" fill="#555555">No lag samples yet.</text></svg>`;
  const t0 = Math.min(...samples.map((p) => ms(p.sampleTime)));
  const t1 = Math.max(t0 + 1000, ...samples.map((p) => ms(p.sampleTime)));
  const targets = new Map<string, number>();
  for (const p of samples) if (p.targetLagSeconds !== null) targets.set(p.name, p.targetLagSeconds / 60);
  const yMax = Math.max(1, ...samples.map((p) => (p.lagSeconds as number) / 60), ...targets.values()) * 1.05;
  const sx = (t: number) => m.left + ((t - t0) / (t1 - t0)) * (W - m.left - m.right);
  const sy = (minutes: number) => H - m.bottom - (minutes / yMax) * (H - m.top - m.bottom);
  const colour = (name: string) => PALETTE[names.indexOf(name) % PALETTE.length] as string;
  const ticks = niceTicks(yMax);
  const parts = ticks.map(
    (v) =>
      `<line x1="${m.left}" x2="${W - m.right}" y1="${num(sy(v))}" y2="${num(sy(v))}" stroke="#e5e5e5"/>` +
      `<text x="${m.left - 4}" y="${num(sy(v) + 4)}" text-anchor="end" fill="#555555">${num(v)}</text>`,
  );
  parts.push(
    `<text x="4" y="14" fill="#555555">lag (minutes)</text>`,
    `<text x="${m.left}" y="${H - 10}" fill="#555555">${escapeHtml(samples[0]?.sampleTime.slice(0, 16) ?? '')}</text>`,
    `<text x="${W - m.right}" y="${H - 10}" text-anchor="end" fill="#555555">${escapeHtml(new Date(t1).toISOString().slice(0, 16).replace('T', ' '))} UTC</text>`,
  );
  for (const name of names) {
    const c = colour(name);
    const target = targets.get(name);
    if (target !== undefined)
      parts.push(
        `<line x1="${m.left}" x2="${W - m.right}" y1="${num(sy(target))}" y2="${num(sy(target))}" stroke="${c}" stroke-dasharray="4 3"/>`,
      );
    const series = samples.filter((p) => p.name === name);
    const coords: string[] = [];
    series.forEach((p) => {
      const x = sx(ms(p.sampleTime));
      const y = sy((p.lagSeconds as number) / 60);
      coords.push(`${num(x)},${num(y)}`);
    });
    parts.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${coords.join(' ')}"/>`);
  }
  let lx = 110; // after the axis title
  for (const name of names) {
    parts.push(
      `<rect x="${lx}" y="6" width="10" height="10" fill="${colour(name)}"/><text x="${lx + 14}" y="15" fill="#222222">${escapeHtml(name)}</text>`,
    );
    lx += 24 + name.length * 7;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" class="dtlab-lag" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} role="img" aria-label="lag over time">${parts.join('')}</svg>`;
}
