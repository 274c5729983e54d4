/**
 * The dependency graph as data for the DAG widget: one node per dynamic table and per source it reads, one
 * edge per dependency (source → reader). Pure: catalog rows and `now` in, a bundle out.
 */
import { formatLag } from '../sql/lag.js';
import type { DynamicTable } from '../types.js';
import { escapeHtml, type JsonValue, MIME, type OutputBundle } from './bundle.js';
import { dagSvg } from './svg.js';

export interface DagNode {
  id: string;
  kind: 'TABLE' | 'VIEW' | 'DYNAMIC TABLE';
  targetLag?: string;
  targetLagSeconds?: number | null;
  refreshMode?: string;
  state?: string;
  dataTimestamp?: string | null;
  /** now − data timestamp, in seconds; null before the first refresh. */
  lagSeconds?: number | null;
}

export interface DagModel {
  nodes: DagNode[];
  edges: { from: string; to: string }[];
}

/** Catalog timestamps are 'YYYY-MM-DD HH:MM:SS[.ffffff]' in UTC. */
export function timestampMs(ts: string): number {
  return Date.parse(`${ts.replace(' ', 'T')}Z`);
}

/** Seconds a DT's contents are behind `now` (null before its first refresh). */
export function lagSecondsAt(dataTimestamp: string | null, now: number): number | null {
  return dataTimestamp === null ? null : Math.max(0, (now - timestampMs(dataTimestamp)) / 1000);
}

export function dagModel(dts: DynamicTable[], now: number): DagModel {
  const nodes = new Map<string, DagNode>();
  const edges: DagModel['edges'] = [];
  for (const dt of dts) {
    nodes.set(dt.name, {
      id: dt.name,
      kind: 'DYNAMIC TABLE',
      targetLag: formatLag(dt.targetLag),
      targetLagSeconds: dt.targetLag.kind === 'duration' ? dt.targetLag.seconds : null,
      refreshMode: dt.effectiveMode,
      state: dt.schedulingState,
      dataTimestamp: dt.dataTimestamp,
      lagSeconds: lagSecondsAt(dt.dataTimestamp, now),
    });
  }
  for (const dt of dts) {
    for (const s of dt.sources) {
      if (!nodes.has(s.name)) nodes.set(s.name, { id: s.name, kind: s.kind });
      edges.push({ from: s.name, to: dt.name });
    }
  }
  return { nodes: [...nodes.values()], edges };
}

function describe(n: DagNode): string {
  if (n.kind !== 'DYNAMIC TABLE') return `${n.id} (${n.kind.toLowerCase()})`;
  const lag =
    n.lagSeconds === null || n.lagSeconds === undefined
      ? 'not refreshed'
      : `lag ${Math.round(n.lagSeconds)} s`;
  return `${n.id} (dynamic table, ${n.refreshMode}, target ${n.targetLag}, ${n.state}, ${lag})`;
}

export function dagBundle(model: DagModel): OutputBundle {
  const text =
    model.nodes.length === 0
      ? 'No dynamic tables yet.'
      : [
          ...model.nodes.filter((n) => n.kind === 'DYNAMIC TABLE').map(describe),
          ...model.edges.map((e) => `  ${e.from} → ${e.to}`),
        ].join('\n');
  return {
    data: {
      [MIME.dag]: model as unknown as JsonValue,
      'text/plain': text,
      // A drawing of the graph and its description: what a viewer without the extension shows.
      'text/html':
        model.nodes.length === 0
          ? `<pre class="dtlab-dag">${escapeHtml(text)}</pre>`
          : `<div class="dtlab-dag">${dagSvg(model)}<pre>${escapeHtml(text)}</pre></div>`,
    },
    metadata: {},
  };
}
