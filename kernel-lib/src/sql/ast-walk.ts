/** A parse tree's nodes (node-sql-parser's plain objects), visited depth first, parents before children. */
export type AstNode = Record<string, unknown>;

export function walkNodes(node: unknown, visit: (n: AstNode) => void): void {
  if (Array.isArray(node)) for (const n of node) walkNodes(n, visit);
  else if (node !== null && typeof node === 'object') {
    visit(node as AstNode);
    for (const v of Object.values(node as AstNode)) walkNodes(v, visit);
  }
}
