/**
 * Alert outputs: the incidents (`%dt alerts`) and the alert preview chart (`%dt alert preview`). Each bundle
 * carries its own MIME type for the extension, text/plain, and text/html as the static fallback. The fallback
 * SVG takes its colours from JupyterLab's theme variables (light and dark), with neutral fallbacks elsewhere.
 * Pure: data in, bundle out; names and messages are escaped.
 */
import type { Incident } from '../alerts/incidents.js';
import type { Preview } from '../alerts/preview.js';
import { formatTable } from '../cli/table.js';
import { escapeHtml, htmlTable, type JsonValue, type OutputBundle } from './bundle.js';

export const ALERT_MIME = {
  incidents: 'application/vnd.dtlab.incidents+json',
  preview: 'application/vnd.dtlab.alert-preview+json',
} as const;

const ts = (ms: number | null) =>
  ms === null ? null : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');

const INCIDENT_COLUMNS = [
  'id',
  'alert',
  'severity',
  'state',
  'summary',
  'opened',
  'fired',
  'last fired',
  'escalated',
  'acknowledged',
  'resolved',
  'note',
];

function incidentRow(i: Incident): JsonValue[] {
  return [
    i.id,
    i.alert,
    i.severity,
    i.state,
    i.summary,
    ts(i.openedAt),
    i.fireCount,
    ts(i.lastFiredAt),
    ts(i.escalatedAt),
    ts(i.acknowledgedAt),
    ts(i.resolvedAt),
    i.note,
  ];
}

/** Open and recent incidents, with how to acknowledge or resolve them from the notebook. */
export function incidentsBundle(incidents: Incident[], now: number): OutputBundle {
  const rows = incidents.map(incidentRow);
  const open = incidents.filter((i) => i.state !== 'RESOLVED').length;
  const title = `${open} open incident${open === 1 ? '' : 's'} at ${ts(now)} UTC (%dt alerts ack ID --note "…" | resolve ID)`;
  const text =
    incidents.length === 0
      ? 'No incidents: an alert opens one when it triggers (%dt alert … / CREATE ALERT).'
      : `${title}\n${formatTable(
          INCIDENT_COLUMNS.map((name) => ({ name, type: 'varchar' })),
          rows.map((r) => r.map((v) => (v === null ? null : String(v)))),
        )}`;
  return {
    data: {
      [ALERT_MIME.incidents]: { incidents: incidents as unknown as JsonValue, now },
      'text/plain': text,
      'text/html':
        incidents.length === 0 ? `<p>${escapeHtml(text)}</p>` : htmlTable(INCIDENT_COLUMNS, rows, title),
    },
    metadata: {},
  };
}

const INK = 'var(--jp-ui-font-color1, #222222)';
const DIM = 'var(--jp-ui-font-color2, #666666)';
const GRID = 'var(--jp-border-color2, #e0e0e0)';
const LINE = 'var(--jp-brand-color1, #2f6fbf)';
const FIRE = 'var(--jp-error-color1, #d32f2f)';
const LIMIT = 'var(--jp-warn-color1, #e65100)';
const FONT = 'style="font-family: var(--jp-ui-font-family, sans-serif); font-size: 11px"';
const n1 = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));

/** The series, its limit (dashed), and a marker where an incident would have opened. */
export function previewSvg(p: Preview): string {
  const W = 640;
  const H = 220;
  const m = { left: 52, right: 12, top: 24, bottom: 30 };
  if (p.points.length === 0)
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="40" ${FONT}><text x="4" y="24" style="fill:${DIM}">No recorded history to replay yet.</text></svg>`;
  const t0 = p.points[0]?.t as number;
  const t1 = Math.max(t0 + 1000, p.points.at(-1)?.t as number);
  const yMax = Math.max(1e-9, ...p.points.map((q) => Math.max(q.value, q.limit))) * 1.1;
  const sx = (t: number) => m.left + ((t - t0) / (t1 - t0)) * (W - m.left - m.right);
  const sy = (v: number) => H - m.bottom - (v / yMax) * (H - m.top - m.bottom);
  const parts = [0, 0.5, 1].map(
    (f) =>
      `<line x1="${m.left}" x2="${W - m.right}" y1="${n1(sy(yMax * f))}" y2="${n1(sy(yMax * f))}" style="stroke:${GRID}"/>` +
      `<text x="${m.left - 4}" y="${n1(sy(yMax * f) + 4)}" text-anchor="end" style="fill:${DIM}">${n1(yMax * f)}</text>`,
  );
  const line = (key: 'value' | 'limit') => p.points.map((q) => `${n1(sx(q.t))},${n1(sy(q[key]))}`).join(' ');
  parts.push(
    `<polyline fill="none" style="stroke:${LIMIT}" stroke-dasharray="4 3" points="${line('limit')}"/>`,
    `<polyline fill="none" style="stroke:${LINE}" stroke-width="1.5" points="${line('value')}"/>`,
    ...p.points
      .filter((q) => q.firing)
      .map((q) => `<circle cx="${n1(sx(q.t))}" cy="${n1(sy(q.value))}" r="2.5" style="fill:${FIRE}"/>`),
    ...p.fires.map(
      (t) =>
        `<line x1="${n1(sx(t))}" x2="${n1(sx(t))}" y1="${m.top}" y2="${H - m.bottom}" style="stroke:${FIRE}" stroke-width="1.5"/>`,
    ),
    `<text x="4" y="14" style="fill:${INK}">${escapeHtml(`${p.measure} — dashed: limit; red: would fire (${p.fires.length} incident${p.fires.length === 1 ? '' : 's'})`)}</text>`,
    `<text x="${m.left}" y="${H - 10}" style="fill:${DIM}">${ts(t0)}</text>`,
    `<text x="${W - m.right}" y="${H - 10}" text-anchor="end" style="fill:${DIM}">${ts(t1)} UTC</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" class="dtlab-alert-preview" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" ${FONT} role="img" aria-label="alert preview">${parts.join('')}</svg>`;
}

export function previewText(p: Preview): string {
  const s = p.spec;
  const firing = p.points.filter((q) => q.firing).length;
  const head = `${s.kind} alert on ${s.target}: over ${p.points.length} recorded points the condition was true at ${firing}`;
  if (p.fires.length === 0) return `${head}; it would not have fired.`;
  return `${head}; it would have opened ${p.fires.length} incident${p.fires.length === 1 ? '' : 's'}, at ${p.fires.map((t) => ts(t)).join(', ')} UTC.`;
}

export function previewBundle(p: Preview): OutputBundle {
  const text = previewText(p);
  return {
    data: {
      [ALERT_MIME.preview]: { preview: p as unknown as JsonValue },
      'text/plain': text,
      'text/html': `${previewSvg(p)}<p>${escapeHtml(text)}</p>`,
    },
    metadata: {},
  };
}

/** The incidents view a live `%dt alerts` output keeps: an incident event replaces its row or adds it on top. */
export function foldIncidents(incidents: Incident[], incident: Incident): Incident[] {
  const rest = incidents.filter((i) => i.id !== incident.id);
  const open = (i: Incident) => i.state !== 'RESOLVED';
  return [incident, ...rest].sort((a, b) => Number(open(b)) - Number(open(a)) || b.id - a.id);
}
