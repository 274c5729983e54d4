/**
 * A DT's strategy is derived once per known catalog (refresh/planning.ts `strategyOf`): kept with the
 * refresh's metadata (catalog/refresh-metadata.ts `planning`), carried to the next refresh with its static
 * part, and derived anew from other metadata — or every time when the DT reads a view, whose definition is
 * read each time.
 */
import { describe, expect, it } from 'vitest';
import type { Queryable } from '../src/backends/backend.js';
import { type RefreshMetadata, staticPart, withKnown } from '../src/catalog/refresh-metadata.js';
import { strategyOf } from '../src/refresh/planning.js';
import type { DynamicTable } from '../src/types.js';

/** A transaction that answers nothing: planning from known metadata sends no statement. */
const silent: Queryable = {
  query: async (sql) => {
    throw new Error(`unexpected statement: ${sql}`);
  },
};

const dt = (sources: { name: string; kind: string }[]) =>
  ({
    name: 'agg',
    query: 'SELECT g, COUNT(*) AS n, SUM(v) AS s FROM t GROUP BY g',
    sources,
    effectiveMode: 'INCREMENTAL',
    refreshModeReason: '',
  }) as unknown as DynamicTable;

const metadata = (type: string): RefreshMetadata => ({
  dt: 'agg',
  columns: new Map([
    [
      't',
      [
        { name: 'g', type: 'integer', nullable: true },
        { name: 'v', type, nullable: true },
      ],
    ],
  ]),
  position: '1',
  intact: new Map(),
  dtlabRelations: new Set(),
  estimatedRows: new Map(),
  summaries: new Map(),
  dataTimestamp: null,
});

describe('the planning kept with the refresh metadata', () => {
  const table = dt([{ name: 't', kind: 'TABLE' }]);

  it('is derived once, carried by the static part to the next refresh, and not derived again', async () => {
    const first = metadata('integer');
    const planning = await strategyOf(withKnown(silent, first), 'postgres', table);
    expect(planning.strategy.kind).toBe('linear');
    expect(first.planning).toBe(planning);
    const next: RefreshMetadata = { ...metadata('integer'), ...staticPart(first) };
    expect(await strategyOf(withKnown(silent, next), 'postgres', table)).toBe(planning);
  });

  it('is derived anew from other metadata: other column types give other types', async () => {
    const a = await strategyOf(withKnown(silent, metadata('integer')), 'postgres', table);
    const b = await strategyOf(withKnown(silent, metadata('numeric(10,2)')), 'postgres', table);
    expect(b).not.toBe(a);
    expect(a.types).toBe('t(g integer,v integer)');
    expect(b.types).toBe('t(g integer,v numeric(10,2))');
  });

  it('is not kept for a DT that reads a view (its definition is read every time)', async () => {
    const viewed = { ...dt([{ name: 't', kind: 'VIEW' }]), query: 'SELECT g FROM t' } as DynamicTable;
    const asked: string[] = [];
    const tx: Queryable = {
      query: async (sql) => {
        asked.push(sql);
        return { columns: [], rows: [['t', 'SELECT g FROM base']], rowCount: 1 };
      },
    };
    const meta = metadata('integer');
    await strategyOf(withKnown(tx, meta), 'postgres', viewed);
    expect(meta.planning).toBeUndefined();
    const once = asked.length;
    expect(once).toBeGreaterThan(0);
    await strategyOf(withKnown(tx, meta), 'postgres', viewed);
    expect(asked.length).toBe(2 * once);
  });
});
