/**
 * The pure rules that turn the parse's relations and the database's view into a DT's sources
 * (engine/sources.ts), the volatility rules (sql/volatile.ts) and the statements that would break the graph
 * (engine/drop-guard.ts).
 */
import { describe, expect, it } from 'vitest';
import type { DatabaseView } from '../src/engine/dependencies.js';
import { droppedRelations, reparentedRelations } from '../src/engine/drop-guard.js';
import { resolveSources } from '../src/engine/sources.js';
import { analyzeQuery } from '../src/sql/analyze.js';
import { tokenize } from '../src/sql/lexer.js';
import { volatileFinding } from '../src/sql/volatile.js';
import type { SourceKind } from '../src/types.js';

const kinds: Record<string, SourceKind> = { r: 'TABLE', s: 'TABLE', v: 'VIEW', d: 'DYNAMIC TABLE' };
const view = (relations: DatabaseView['relations'], namesViews = true): DatabaseView => ({
  relations,
  namesViews,
  volatile: [],
  systemColumn: false,
});

describe('resolveSources', () => {
  const kindOf = (n: string) => kinds[n];

  it('adds what only the database saw, and says the DT refreshes in full', () => {
    const out = resolveSources({
      parsed: ['r'],
      db: view([
        { name: 'r', kind: 'TABLE' },
        { name: 's', kind: 'TABLE' },
      ]),
      kindOf,
    });
    expect(out.sources.map((s) => s.name)).toEqual(['r', 's']);
    expect(out.fullReason).toMatch(/reads s, which its parse did not find/);
  });

  it('follows a view to its base relations without calling them missed (both families)', () => {
    const pg = resolveSources({
      parsed: ['v'],
      db: view([
        { name: 'v', kind: 'VIEW' },
        { name: 'd', kind: 'TABLE', via: 'v' },
      ]),
      kindOf,
    });
    expect(pg.sources).toEqual([
      { name: 'd', kind: 'DYNAMIC TABLE' },
      { name: 'v', kind: 'VIEW' },
    ]);
    expect(pg.fullReason).toBeUndefined();
    const duck = resolveSources({
      parsed: ['v'],
      db: view(
        [
          { name: 'd', kind: 'TABLE' },
          { name: 'd', kind: 'TABLE', via: 'v' },
        ],
        false,
      ),
      kindOf,
    });
    expect(duck.sources.map((s) => s.name)).toEqual(['d', 'v']);
    expect(duck.fullReason).toBeUndefined();
  });

  it('drops a misread name when the database is there, and refuses it when not', () => {
    const seen = resolveSources({ parsed: ['only'], db: view([{ name: 'r', kind: 'TABLE' }]), kindOf });
    expect(seen.sources.map((s) => s.name)).toEqual(['r']);
    expect(seen.fullReason).toMatch(/only, which the query does not read/);
    const blind = resolveSources({ parsed: ['only'], db: { failed: 'x' }, kindOf });
    expect(blind.error?.message).toBe('table or view only does not exist');
  });

  it('refuses relations outside the current schema, and a query nobody can account for', () => {
    const other = resolveSources({
      parsed: ['r'],
      db: view([
        { name: 'r', kind: 'TABLE' },
        { name: 'x', kind: 'TABLE', otherSchema: 'o' },
      ]),
      kindOf,
    });
    expect(other.error?.message).toMatch(/^o\.x is outside the current schema/);
    const duck = resolveSources({
      parsed: ['r'],
      db: view([{ name: 'elsewhere', kind: 'TABLE' }], false),
      kindOf,
    });
    expect(duck.error?.name).toBe('elsewhere');
    const unsure = resolveSources({ parsed: ['r'], parseUnsure: 'odd FROM', db: { failed: 'no' }, kindOf });
    expect(unsure.unsure).toMatch(/cannot tell every relation/);
  });
});

describe('volatileFinding', () => {
  const walk = (q: string) => analyzeQuery(q, () => false).walk;
  it('finds volatile calls, system columns and TABLESAMPLE, but not a user column of that name', () => {
    expect(volatileFinding(walk("SELECT nextval('q') FROM r"), undefined, new Set())?.name).toBe('nextval');
    expect(volatileFinding(walk('SELECT xmin FROM r'), undefined, new Set())?.name).toBe('xmin');
    expect(volatileFinding(walk('SELECT rowid FROM r'), undefined, new Set(['rowid']))).toBeUndefined();
    expect(volatileFinding(walk('SELECT a FROM r TABLESAMPLE SYSTEM (5)'), undefined, new Set())?.name).toBe(
      'tablesample',
    );
    expect(volatileFinding(walk('SELECT abs(a) FROM r'), undefined, new Set())).toBeUndefined();
    const db = { volatile: [{ name: 'f', volatility: 'stable' }], systemColumn: false };
    expect(volatileFinding(walk('SELECT f(a) FROM r'), db, new Set())?.reason).toMatch(/not IMMUTABLE/);
  });
});

describe('statements that would break the graph', () => {
  const names = (f: typeof droppedRelations, sql: string) => f(tokenize(sql)).map((d) => d.name);
  it('reads the names a DROP or a re-parenting statement touches', () => {
    expect(names(droppedRelations, 'DROP TABLE IF EXISTS a, public."B" CASCADE')).toEqual(['a', 'B']);
    expect(names(droppedRelations, 'DROP MATERIALIZED VIEW m')).toEqual(['m']);
    expect(names(droppedRelations, 'DROP DYNAMIC TABLE d')).toEqual([]);
    expect(names(reparentedRelations, 'CREATE TABLE c PARTITION OF p FOR VALUES IN (1)')).toEqual(['p']);
    expect(names(reparentedRelations, 'CREATE TABLE c (x INT) INHERITS (p, q)')).toEqual(['p', 'q']);
    expect(names(reparentedRelations, 'ALTER TABLE ONLY p ATTACH PARTITION c DEFAULT')).toEqual(['p']);
    expect(names(reparentedRelations, 'ALTER TABLE c NO INHERIT p')).toEqual(['p']);
    expect(names(reparentedRelations, 'ALTER TABLE c ADD COLUMN x INT')).toEqual([]);
  });
});
