/** Lays the DAG out left to right with dagre: node boxes and edge polylines in SVG coordinates. Pure. */
import { graphlib, layout } from '@dagrejs/dagre';
import type { DagModel, DagNode } from '../../../kernel-lib/dist/magics/browser.js';

export interface PlacedNode {
  node: DagNode;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DagLayout {
  width: number;
  height: number;
  nodes: PlacedNode[];
  edges: { from: string; to: string; points: { x: number; y: number }[] }[];
}

const CHAR_PX = 7.5;
const NODE_H = 44;

export function layoutDag(model: DagModel): DagLayout {
  const g = new graphlib.Graph();
  g.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 70, marginx: 12, marginy: 12 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of model.nodes) {
    // Wide enough for the name and the subtitle (10px text: about 0.8 of a name's character width).
    const label = Math.max(n.id.length, Math.ceil(nodeSubtitle(n).length * 0.8));
    g.setNode(n.id, { width: Math.ceil(label * CHAR_PX) + 24, height: NODE_H });
  }
  for (const e of model.edges) g.setEdge(e.from, e.to);
  layout(g);
  const graph = g.graph();
  return {
    width: Math.ceil(graph.width ?? 0),
    height: Math.ceil(graph.height ?? 0),
    nodes: model.nodes.map((node) => {
      const p = g.node(node.id);
      return {
        node,
        x: (p.x ?? 0) - p.width / 2,
        y: (p.y ?? 0) - p.height / 2,
        width: p.width,
        height: p.height,
      };
    }),
    edges: model.edges.map((e) => ({ ...e, points: g.edge(e.from, e.to)?.points ?? [] })),
  };
}

/** Fresh (lag within target), late (beyond it), not refreshed yet, or suspended: the node's colour. */
export function lagStatus(n: DagNode): 'source' | 'fresh' | 'late' | 'pending' | 'suspended' {
  if (n.kind !== 'DYNAMIC TABLE') return 'source';
  if (n.state === 'SUSPENDED') return 'suspended';
  if (n.lagSeconds === null || n.lagSeconds === undefined) return 'pending';
  if (n.targetLagSeconds === null || n.targetLagSeconds === undefined) return 'fresh';
  return n.lagSeconds <= n.targetLagSeconds ? 'fresh' : 'late';
}

const fmtLag = (s: number | null | undefined) =>
  s === null || s === undefined
    ? 'not refreshed'
    : s < 120
      ? `${Math.round(s)} s`
      : `${Math.round(s / 60)} min`;

/** The second line of a node: kind for sources; mode and lag vs target for dynamic tables. */
export function nodeSubtitle(n: DagNode): string {
  if (n.kind !== 'DYNAMIC TABLE') return n.kind.toLowerCase();
  return `${n.refreshMode} · lag ${fmtLag(n.lagSeconds)} / ${n.targetLag}`;
}

export { fmtLag };
