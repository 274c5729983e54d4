/**
 * The validation console's model and bundle (`%dt quality [NAME]`): per table its score and state, the rules
 * (metrics with their expectations, the DT's expectations) with their latest values, pass rates over lesson
 * time and failing-row samples, and the score trend. Pure. The bundle carries the model for the widget
 * (which folds later `quality` events into it: `foldQuality`), an aligned text scorecard, and a static HTML
 * fallback (an SVG trend chart over tables) whose colours are JupyterLab's CSS variables with `currentColor`
 * fallbacks, so it reads in light and dark themes and outside JupyterLab.
 */
import { HEALTHY_AT as HEALTHY_LINE, WARNING_AT as WARNING_LINE } from '../quality/score.js';
import type { SchedulerEvent } from '../schedule/events.js';
import { escapeHtml, htmlTable, type JsonValue, type OutputBundle, tableBundle } from './bundle.js';

export const QUALITY_MIME = 'application/vnd.dtlab.quality+json';

/** Points kept per trend line (the oldest go first). */
export const MAX_POINTS = 500;

export interface RuleView {
  /** "NULL_COUNT(o_custkey) no_null (VALUE = 0)" or "expectation valid_price". */
  rule: string;
  kind: 'metric' | 'expectation';
  value: number | null;
  /** Latest pass rate 0..1 (a metric's expectation: 1 met, 0 violated); null: no expectation. */
  passRate: number | null;
  /** [lesson ms, pass rate] over time. */
  history: [number, number][];
  sample: Record<string, JsonValue>[] | null;
}

export interface TableQuality {
  table: string;
  score: number | null;
  state: string;
  checks: number;
  failing: number;
  measuredAt: number | null;
  rules: RuleView[];
  /** [lesson ms, score] over time. */
  trend: [number, number | null][];
}

export interface QualityView {
  /** The table asked for (null: every table). */
  name: string | null;
  tables: TableQuality[];
}

const clip = <T>(xs: T[]) => (xs.length > MAX_POINTS ? xs.slice(xs.length - MAX_POINTS) : xs);

/** A `quality` event folded into the view (new score point, latest values, pass-rate points). */
export function foldQuality(view: QualityView, e: SchedulerEvent): QualityView {
  if (e.type !== 'quality') return view;
  const ev = e.evaluation;
  if (view.name !== null && view.name !== ev.table) return view;
  const at = ev.measurementTime;
  const old = view.tables.find((t) => t.table === ev.table);
  const rules = new Map((old?.rules ?? []).map((r) => [r.rule, r]));
  const touch = (
    rule: string,
    kind: RuleView['kind'],
    value: number | null,
    pass: number | null,
    sample: RuleView['sample'],
  ) => {
    const r = rules.get(rule) ?? { rule, kind, value, passRate: pass, history: [], sample: null };
    rules.set(rule, {
      ...r,
      value,
      passRate: pass,
      history: pass === null ? r.history : clip([...r.history, [at, pass]]),
      sample: sample ?? (pass === 1 ? null : r.sample),
    });
  };
  for (const m of ev.metrics)
    touch(
      ruleName(m.metric, m.arguments, m.expectation),
      'metric',
      m.value,
      m.violated === null ? null : m.violated ? 0 : 1,
      m.sample as RuleView['sample'],
    );
  for (const x of ev.expectations) {
    const total = x.rowsPassed + x.rowsFailed;
    touch(
      `expectation ${x.name} (${x.action})`,
      'expectation',
      x.rowsFailed,
      total === 0 ? 1 : x.rowsPassed / total,
      null,
    );
  }
  const next: TableQuality = {
    table: ev.table,
    score: ev.score.score,
    state: ev.score.state,
    checks: ev.score.checks,
    failing: ev.score.failing,
    measuredAt: at,
    rules: [...rules.values()],
    trend: clip([...(old?.trend ?? []), [at, ev.score.score]]),
  };
  const tables = old ? view.tables.map((t) => (t === old ? next : t)) : [...view.tables, next];
  return { ...view, tables };
}

export function ruleName(metric: string, args: string[], expectation: string | null): string {
  const m = metric.replace(/^SNOWFLAKE\.CORE\./, '');
  return `${m}(${args.join(', ')})${expectation ? ` ${expectation}` : ''}`;
}

export const iso = (ms: number | null) =>
  ms === null ? '' : new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
export const pct = (x: number | null) => (x === null ? '—' : `${Math.round(x * 1000) / 10} %`);

export function qualityBundle(view: QualityView, live = true): OutputBundle {
  const scorecard = tableBundle(
    {
      columns: ['table', 'score', 'state', 'checks', 'failing', 'measured_at'].map((name) => ({
        name,
        type: 'varchar',
      })),
      rows: view.tables.map((t) => [t.table, t.score, t.state, t.checks, t.failing, iso(t.measuredAt)]),
    },
    'Data quality scorecard',
  );
  const ruleRows = view.tables.flatMap((t) =>
    t.rules.map((r) => [t.table, r.rule, r.value, pct(r.passRate)] as JsonValue[]),
  );
  const rulesText = ruleRows.map((r) => `  ${r[0]}  ${r[1]} = ${r[2] ?? 'NULL'}  pass ${r[3]}`).join('\n');
  const samples = view.tables.flatMap((t) =>
    t.rules
      .filter((r) => r.sample && r.sample.length > 0)
      .map((r) => {
        const sample = r.sample as Record<string, JsonValue>[];
        const cols = Object.keys(sample[0] ?? {});
        return htmlTable(
          cols,
          sample.map((row) => cols.map((c) => row[c] ?? null)),
          `${t.table}: failing rows of ${r.rule}`,
        );
      }),
  );
  const empty =
    view.tables.length === 0 ? '<p>No data metric function or expectation has been measured yet.</p>' : '';
  return {
    data: {
      [QUALITY_MIME]: { ...(view as unknown as { [k: string]: JsonValue }), live },
      'text/plain': `${scorecard.data['text/plain'] as string}${rulesText ? `\nrules:\n${rulesText}` : ''}`,
      'text/html': `<div class="dtlab-quality">${empty}${trendSvg(view)}${scorecard.data['text/html'] as string}${htmlTable(
        ['table', 'rule', 'value', 'pass rate'],
        ruleRows,
        'Rules',
      )}${samples.join('')}</div>`,
    },
    metadata: {},
  };
}

/** Colours by state: JupyterLab's theme variables, `currentColor` outside JupyterLab. */
export const STATE_COLOUR: Record<string, string> = {
  HEALTHY: 'var(--jp-success-color1, currentColor)',
  WARNING: 'var(--jp-warn-color1, currentColor)',
  ERROR: 'var(--jp-error-color1, currentColor)',
  NO_CHECKS: 'var(--jp-ui-font-color2, currentColor)',
};
const LINE = [
  '--jp-brand-color1',
  '--jp-accent-color1',
  '--jp-warn-color1',
  '--jp-success-color1',
  '--jp-error-color1',
];

/** The trend chart's geometry (shared by the static SVG and the widget). */
export interface TrendChart {
  width: number;
  height: number;
  left: number;
  right: number;
  /** Horizontal rules at these scores (0, the thresholds, 100) with their y. */
  grid: { score: number; y: number; threshold: boolean }[];
  lines: {
    table: string;
    colour: string;
    stateColour: string;
    label: string;
    d: string;
    points: { x: number; y: number; title: string }[];
  }[];
  from: string;
  to: string;
}

export function trendChart(view: QualityView): TrendChart | null {
  const lines = view.tables.map((t) => t.trend.filter((p): p is [number, number] => p[1] !== null));
  const all = lines.flat();
  if (all.length === 0) return null;
  const [width, height, left, top, bottom, legend] = [640, 200, 40, 10, 30, 130];
  const right = width - legend;
  const t0 = Math.min(...all.map((p) => p[0]));
  const t1 = Math.max(...all.map((p) => p[0]), t0 + 1);
  const x = (t: number) => Math.round((left + ((t - t0) / (t1 - t0)) * (right - left)) * 10) / 10;
  const y = (s: number) => Math.round((top + (1 - s / 100) * (height - top - bottom)) * 10) / 10;
  return {
    width,
    height,
    left,
    right,
    grid: [0, WARNING_LINE, HEALTHY_LINE, 100].map((score) => ({
      score,
      y: y(score),
      threshold: score === WARNING_LINE || score === HEALTHY_LINE,
    })),
    lines: lines.map((pts, i) => {
      const t = view.tables[i] as TableQuality;
      return {
        table: t.table,
        colour: `var(${LINE[i % LINE.length]}, currentColor)`,
        stateColour: STATE_COLOUR[t.state] ?? 'currentColor',
        label: `${t.table} ${t.score ?? '—'} ${t.state}`,
        d: pts.map((p, j) => `${j === 0 ? 'M' : 'L'}${x(p[0])},${y(p[1])}`).join(' '),
        points: pts.map((p) => ({ x: x(p[0]), y: y(p[1]), title: `${t.table} ${iso(p[0])}: ${p[1]}` })),
      };
    }),
    from: iso(t0),
    to: iso(t1),
  };
}

/** The score trend as static SVG: one line per table over lesson time, 0..100, with the 80 and 95 thresholds. */
export function trendSvg(view: QualityView): string {
  const c = trendChart(view);
  if (!c) return '';
  const text = 'style="fill: var(--jp-ui-font-color1, currentColor)"';
  const grid = c.grid
    .map(
      (g) =>
        `<line x1="${c.left}" x2="${c.right}" y1="${g.y}" y2="${g.y}" style="stroke: var(--jp-border-color2, currentColor)" stroke-opacity="0.5"${g.threshold ? ' stroke-dasharray="4 3"' : ''}/><text x="${c.left - 4}" y="${g.y + 4}" text-anchor="end" ${text}>${g.score}</text>`,
    )
    .join('');
  const lines = c.lines
    .map((l, i) => {
      const dots = l.points
        .map(
          (p) =>
            `<circle cx="${p.x}" cy="${p.y}" r="2.5" style="fill: ${l.colour}"><title>${escapeHtml(p.title)}</title></circle>`,
        )
        .join('');
      return `<path d="${l.d}" fill="none" style="stroke: ${l.colour}" stroke-width="2"/>${dots}<text x="${c.right + 6}" y="${22 + i * 14}" style="fill: ${l.stateColour}">● ${escapeHtml(l.label)}</text>`;
    })
    .join('');
  const axis = `<text x="${c.left}" y="${c.height - 8}" ${text}>${c.from}</text><text x="${c.right}" y="${c.height - 8}" text-anchor="end" ${text}>${c.to} UTC</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${c.width}" height="${c.height}" viewBox="0 0 ${c.width} ${c.height}" font-family="sans-serif" font-size="11" role="img" aria-label="quality score over lesson time">${grid}${lines}${axis}</svg>`;
}
