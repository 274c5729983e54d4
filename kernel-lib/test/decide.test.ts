/** The refresh decision is a pure function of the DT, its shape and what capture says (refresh/decide.ts). */
import { describe, expect, it } from 'vitest';
import type { QueryShape } from '../src/plan/shape.js';
import { type ChangeFacts, decideAction, type SourceChanges } from '../src/refresh/decide.js';
import type { DynamicTable } from '../src/types.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2024, 5, 1, 12);

const dt = (over: Partial<DynamicTable> = {}): DynamicTable => ({
  name: 'd',
  query: 'SELECT g, count(*) FROM s GROUP BY g',
  targetLag: { kind: 'duration', seconds: 60 },
  warehouse: 'compute_wh',
  refreshMode: 'AUTO',
  effectiveMode: 'INCREMENTAL',
  refreshModeReason: 'linear',
  initialize: 'ON_CREATE',
  scheduler: 'ENABLE',
  schedulingState: 'ACTIVE',
  createdOn: '2024-06-01 00:00:00',
  dataTimestamp: '2024-06-01 11:00:00',
  sources: [{ name: 's', kind: 'TABLE' }],
  ...over,
});
const shape = { subqueryTables: [] as string[] } as unknown as QueryShape;
const read = (inserted: number, deleted = 0, extra: Partial<SourceChanges> = {}): SourceChanges =>
  ({
    source: 's',
    kind: 'read',
    inserted,
    deleted,
    untracked: false,
    pruned: false,
    ...extra,
  }) as SourceChanges;
const facts = (...sources: SourceChanges[]): ChangeFacts => ({ position: 'p', sources });
const decide = (
  f: ChangeFacts,
  d = dt(),
  previous: number | null = NOW - 1000,
  s: QueryShape | undefined = shape,
) => decideAction(d, s, f, NOW, previous ?? undefined);

describe('decideAction', () => {
  it('NO_DATA when nothing changed; INCREMENTAL with inserts-only noted', () => {
    expect(decide(facts(read(0))).action).toBe('NO_DATA');
    const d = decide(facts(read(3)));
    expect([d.action, d.changed, [...d.insertsOnly], d.changes]).toEqual([
      'INCREMENTAL',
      ['s'],
      ['s'],
      { s: 3 },
    ]);
    expect([...decide(facts(read(3, 1))).insertsOnly]).toEqual([]);
  });
  it('REINITIALIZE when capture was lost (to be reinstalled), reinstalled, or a write was not captured', () => {
    const lost = decide(facts({ source: 's', kind: 'lost' }));
    expect([lost.action, lost.reinstall]).toEqual(['REINITIALIZE', ['s']]);
    expect(lost.reason).toMatch(/capture on s was lost/);
    expect(decide(facts({ source: 's', kind: 'no-position' })).action).toBe('REINITIALIZE');
    expect(decide(facts(read(0, 0, { untracked: true }))).reason).toMatch(/could not be captured/);
  });
  it('FULL for a first refresh, a view, a FULL-mode DT with changes, a changed subquery table', () => {
    expect(decide(facts(read(0)), dt(), null).reason).toBe('first refresh');
    const view = dt({ sources: [{ name: 'v', kind: 'VIEW' }] });
    expect(decide(facts(), view).reason).toMatch(/reads view v/);
    expect(decide(facts(read(0)), dt({ effectiveMode: 'FULL' })).action).toBe('NO_DATA');
    expect(decide(facts(read(1)), dt({ effectiveMode: 'FULL' })).action).toBe('FULL');
    const sub = { subqueryTables: ['s'] } as unknown as QueryShape;
    expect(decide(facts(read(1)), dt(), NOW - 1000, sub).reason).toMatch(/inside a subquery/);
  });
  it('pruned change rows (capture/marks.ts): a change for a FULL-mode DT, a recompute for an incremental one', () => {
    const full = dt({ effectiveMode: 'FULL' });
    expect(decide(facts(read(0, 0, { pruned: true })), full).action).toBe('FULL');
    expect(decide(facts(read(0, 0, { pruned: true }))).changed).toEqual(['s']);
    // The rows left are not the DT's window: never INCREMENTAL from them.
    const inc = decide(facts(read(2, 0, { pruned: true })));
    expect([inc.action, inc.reason]).toEqual([
      'FULL',
      expect.stringMatching(/change rows of s .* were pruned/),
    ]);
  });
  it('CURRENT_DATE moving recomputes even without a change; holding, it does not', () => {
    const d = dt({ query: 'SELECT * FROM s WHERE day >= CURRENT_DATE - 1' });
    expect(decide(facts(read(0)), d, NOW - DAY).reason).toBe(
      'CURRENT_DATE moved from 2024-05-31 to 2024-06-01',
    );
    expect(decide(facts(read(0)), d, NOW - 1000).action).toBe('NO_DATA');
  });
  it('the cost rule: FULL above a quarter of the source, never under 1000 changed rows', () => {
    expect(decide(facts(read(2000, 0, { estimatedRows: 4000 }))).reason).toMatch(
      /more than 25% of s \(4000 rows\)/,
    );
    expect(decide(facts(read(900, 0, { estimatedRows: 1000 }))).action).toBe('INCREMENTAL');
    expect(decide(facts(read(2000, 0, { estimatedRows: 100_000 }))).action).toBe('INCREMENTAL');
    // REFRESH_MODE = INCREMENTAL always refreshes incrementally (Snowflake): the rule is AUTO's.
    const asked = dt({ refreshMode: 'INCREMENTAL' });
    expect(decide(facts(read(2000, 0, { estimatedRows: 4000 })), asked).action).toBe('INCREMENTAL');
  });
});
