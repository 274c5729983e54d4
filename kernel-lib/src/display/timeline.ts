/**
 * The refresh history as a timeline: one lane per dynamic table, one mark per refresh at its start time,
 * coloured by what it did (INCREMENTAL, FULL, REINITIALIZE, NO_DATA) or by how it failed. `refreshTimeline`
 * is the geometry, shared by the history widget (lit) and `timelineSvg`, the static fallback. Pure.
 */
import type { RefreshRecord } from '../types.js';
import { escapeHtml } from './bundle.js';

/** What a mark's colour says: the action of a successful refresh, else its state. */
export type MarkKind = 'INCREMENTAL' | 'FULL' | 'REINITIALIZE' | 'NO_DATA' | 'FAILED' | 'OTHER';

export const MARK_COLOURS: Record<MarkKind, string> = {
  INCREMENTAL: '#59a14f',
  FULL: '#4e79a7',
  REINITIALIZE: '#af7aa1',
  NO_DATA: '#bab0ac',
  FAILED: '#e15759',
  OTHER: '#f28e2c',
};

export interface TimelineMark {
  x: number;
  y: number;
  width: number;
  kind: MarkKind;
  title: string;
}

export interface Timeline {
  width: number;
  height: number;
  lanes: { name: string; y: number }[];
  marks: TimelineMark[];
  /** The kinds present, in MARK_COLOURS order: the legend. */
  kinds: MarkKind[];
  /** First and last refresh start, 'YYYY-MM-DD HH:MM' UTC: the axis ends. */
  from: string;
  to: string;
  left: number;
}

export const LANE_HEIGHT = 18;

const ms = (ts: string) => Date.parse(`${ts.replace(' ', 'T')}Z`);

function kindOf(r: RefreshRecord): MarkKind {
  if (r.state === 'SUCCEEDED') return r.refreshAction ?? 'OTHER';
  return r.state === 'FAILED' || r.state === 'UPSTREAM_FAILED' ? 'FAILED' : 'OTHER';
}

/** Null with fewer than two refreshes: a timeline of one point says nothing the table does not. */
export function refreshTimeline(records: RefreshRecord[], width = 640): Timeline | null {
  const timed = records.filter((r) => Number.isFinite(ms(r.refreshStartTime)));
  if (timed.length < 2) return null;
  const names = [...new Set(timed.map((r) => r.name))].sort();
  const left = Math.min(200, 16 + Math.max(...names.map((n) => n.length)) * 7);
  const top = 22;
  const t0 = Math.min(...timed.map((r) => ms(r.refreshStartTime)));
  const t1 = Math.max(t0 + 1000, ...timed.map((r) => ms(r.refreshStartTime)));
  const span = width - left - 10;
  const x = (t: number) => left + ((t - t0) / (t1 - t0)) * span;
  const lanes = names.map((name, i) => ({ name, y: top + i * LANE_HEIGHT }));
  const laneY = new Map(lanes.map((l) => [l.name, l.y]));
  const marks = timed.map((r) => {
    const kind = kindOf(r);
    const end = r.refreshEndTime ? ms(r.refreshEndTime) : Number.NaN;
    // A refresh is drawn as long as it lasted in lesson time, and never thinner than 3 px.
    const w = Number.isFinite(end) ? Math.max(3, ((end - ms(r.refreshStartTime)) / (t1 - t0)) * span) : 3;
    return {
      x: x(ms(r.refreshStartTime)) - 1.5,
      y: (laneY.get(r.name) ?? top) + 3,
      width: Math.min(w, 40),
      kind,
      title: `${r.name} ${r.refreshStartTime.slice(0, 19)}: ${r.state} ${r.refreshAction ?? ''} (${r.refreshTrigger})${r.reason ? ` — ${r.reason}` : ''}`,
    };
  });
  const present = new Set(marks.map((m) => m.kind));
  return {
    width,
    height: top + lanes.length * LANE_HEIGHT + 18,
    lanes,
    marks,
    kinds: (Object.keys(MARK_COLOURS) as MarkKind[]).filter((k) => present.has(k)),
    from: new Date(t0).toISOString().slice(0, 16).replace('T', ' '),
    to: new Date(t1).toISOString().slice(0, 16).replace('T', ' '),
    left,
  };
}

/** The timeline as SVG text, for the history bundle's text/html; '' when there is no timeline. */
export function timelineSvg(records: RefreshRecord[]): string {
  const t = refreshTimeline(records);
  if (!t) return '';
  const parts: string[] = [];
  let lx = t.left;
  for (const k of t.kinds) {
    parts.push(
      `<rect x="${lx}" y="4" width="10" height="10" fill="${MARK_COLOURS[k]}"/><text x="${lx + 14}" y="13" fill="#222222">${k}</text>`,
    );
    lx += 24 + k.length * 7;
  }
  for (const l of t.lanes)
    parts.push(
      `<line x1="${t.left}" x2="${t.width - 10}" y1="${l.y + LANE_HEIGHT / 2}" y2="${l.y + LANE_HEIGHT / 2}" stroke="#e5e5e5"/>` +
        `<text x="${t.left - 6}" y="${l.y + 13}" text-anchor="end" fill="#222222">${escapeHtml(l.name)}</text>`,
    );
  for (const m of t.marks)
    parts.push(
      `<rect x="${m.x.toFixed(1)}" y="${m.y}" width="${m.width.toFixed(1)}" height="${LANE_HEIGHT - 6}" fill="${MARK_COLOURS[m.kind]}"><title>${escapeHtml(m.title)}</title></rect>`,
    );
  const axisY = t.height - 4;
  parts.push(
    `<text x="${t.left}" y="${axisY}" fill="#555555">${t.from}</text>`,
    `<text x="${t.width - 10}" y="${axisY}" text-anchor="end" fill="#555555">${t.to} UTC</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" class="dtlab-timeline" width="${t.width}" height="${t.height}" viewBox="0 0 ${t.width} ${t.height}" font-family="sans-serif" font-size="11" role="img" aria-label="refresh timeline">${parts.join('')}</svg>`;
}
