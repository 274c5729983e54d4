/**
 * A new DT's sources: the relations its parse found, checked against the database's view of the query
 * (engine/dependencies.ts), views followed down to their base relations. Pure.
 *
 * - A relation the database names that the parse did not find is added, and the DT refreshes in full
 *   (its parse, which incremental plans are built from, missed part of the query).
 * - A parsed name the database does not read and that does not exist is a misreading of the parse: dropped,
 *   with the same consequence. Without the database's view, it does not exist (an error, as always).
 * - The base relations under a view are sources too (kind TABLE or DYNAMIC TABLE), so the graph is whole:
 *   a DT reading a view over another DT refreshes after it, and dropping a view's table names its readers.
 * - When neither the parse nor the database can account for every relation, the DT is refused.
 */
import type { SourceKind } from '../types.js';
import type { DatabaseView, DbRelationKind } from './dependencies.js';

export interface SourceInput {
  /** Relation names the parse found. */
  parsed: string[];
  /** Why the parse may have missed a relation (unknown FROM shape, parse failure). */
  parseUnsure?: string;
  /** The database's view, or why it could not be had. */
  db: DatabaseView | { failed: string };
  /** The kind of a relation of the current schema (DTs, tables, views), if it exists. */
  kindOf(name: string): SourceKind | undefined;
}

export interface ResolvedSources {
  sources: { name: string; kind: SourceKind }[];
  /** Why the DT must refresh in full whatever its shape. */
  fullReason?: string;
  /** A relation that does not exist or cannot be tracked: the DT is refused, pointing at `name`. */
  error?: { message: string; name?: string };
  /** Nobody could tell every relation the query reads: refused if the query itself runs. */
  unsure?: string;
}

function asSourceKind(kind: DbRelationKind): SourceKind {
  // A materialized view changes only when refreshed, which no trigger sees: read in full, like a view.
  return kind === 'TABLE' ? 'TABLE' : 'VIEW';
}

export function resolveSources(input: SourceInput): ResolvedSources {
  const db = 'failed' in input.db ? undefined : input.db;
  const out = new Map<string, SourceKind>();
  // PostgreSQL resolved each name in the current schema; DuckDB's plan names tables without their schema.
  const dbKind = (name: string) =>
    db?.namesViews ? db.relations.find((r) => r.name === name && !r.otherSchema)?.kind : undefined;
  const kind = (name: string): SourceKind | undefined => {
    const d = dbKind(name);
    return input.kindOf(name) ?? (d ? asSourceKind(d) : undefined);
  };

  const outside = db?.relations.find((r) => r.otherSchema && (!r.via || r.child));
  if (outside) {
    return {
      sources: [],
      error: {
        message: `${outside.otherSchema}.${outside.name} is outside the current schema: dynamic tables read and track relations of the current schema only`,
        name: outside.name,
      },
    };
  }

  const misread: string[] = [];
  for (const name of input.parsed) {
    const k = kind(name);
    if (k) out.set(name, k);
    else if (db) misread.push(name);
    else return { sources: [], error: { message: `table or view ${name} does not exist`, name } };
  }

  const missed: string[] = [];
  if (db) {
    const viaNames = new Set(db.relations.filter((r) => r.via).map((r) => r.name));
    for (const r of db.relations) {
      if (r.otherSchema || out.has(r.name)) continue;
      const k = kind(r.name);
      // DuckDB's plan names a table without its schema: one not in the current schema is elsewhere.
      if (!k) {
        return {
          sources: [],
          error: {
            message: `${r.name} is not a relation of the current schema: dynamic tables read and track relations of the current schema only`,
            name: r.name,
          },
        };
      }
      out.set(r.name, k);
      // DuckDB scans the tables under views too: those are not missed.
      if (!r.via && (db.namesViews || !viaNames.has(r.name))) missed.push(r.name);
    }
  }

  const reasons: string[] = [];
  const children = db?.relations.filter((r) => r.child) ?? [];
  if (children.length > 0) {
    const parents = [...new Set(children.map((c) => c.via))].join(', ');
    reasons.push(
      `it reads ${parents}, whose partitions or inheritance children (${children.map((c) => c.name).join(', ')}) are written on their own: each is captured, and a change to any refreshes the DT in full`,
    );
  }
  if (missed.length > 0)
    reasons.push(`the query reads ${missed.join(', ')}, which its parse did not find (the database did)`);
  if (misread.length > 0)
    reasons.push(`its parse named ${misread.join(', ')}, which the query does not read (a misreading)`);
  if (input.parseUnsure && db && reasons.length === 0)
    reasons.push(`its parse could not account for every relation (${input.parseUnsure})`);
  const sources = [...out].map(([name, k]) => ({ name, kind: k })).sort((a, b) => (a.name < b.name ? -1 : 1));
  return {
    sources,
    ...(reasons.length > 0 ? { fullReason: reasons.join('; ') } : {}),
    ...(input.parseUnsure && !db
      ? {
          unsure: `cannot tell every relation the query reads: ${input.parseUnsure}, and the database could not say (${(input.db as { failed: string }).failed})`,
        }
      : {}),
  };
}
