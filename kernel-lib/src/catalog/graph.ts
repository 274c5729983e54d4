/** The dependency graph of dynamic tables: pure functions over `dt → sources` edges. */

export type Edges = ReadonlyMap<string, readonly string[]>;

/** A path `from → … → to` following edges, if there is one. */
export function pathBetween(edges: Edges, from: string, to: string): string[] | undefined {
  const seen = new Set<string>();
  const walk = (node: string): string[] | undefined => {
    if (node === to) return [node];
    if (seen.has(node)) return undefined;
    seen.add(node);
    for (const next of edges.get(node) ?? []) {
      const rest = walk(next);
      if (rest) return [node, ...rest];
    }
    return undefined;
  };
  return walk(from);
}

/**
 * If `name` reading `sources` would close a cycle, the cycle as `name → … → name`.
 * (Only CREATE OR REPLACE can do that: a new name has no dependents yet.)
 */
export function cycleThrough(edges: Edges, name: string, sources: readonly string[]): string[] | undefined {
  for (const s of sources) {
    if (s === name) return [name, name];
    const back = pathBetween(edges, s, name);
    if (back) return [name, ...back];
  }
  return undefined;
}

/** Dynamic tables that read `name` directly. */
export function directDependents(edges: Edges, name: string): string[] {
  return [...edges]
    .filter(([, sources]) => sources.includes(name))
    .map(([dt]) => dt)
    .sort();
}

/** Every node in dependency order (sources before readers); ties broken by name for determinism. */
export function topologicalOrder(edges: Edges): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (n: string) => {
    if (state.get(n) === 'done' || state.get(n) === 'visiting') return;
    state.set(n, 'visiting');
    for (const s of [...(edges.get(n) ?? [])].sort()) if (edges.has(s)) visit(s);
    state.set(n, 'done');
    order.push(n);
  };
  for (const n of [...edges.keys()].sort()) visit(n);
  return order;
}
