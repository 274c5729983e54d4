/**
 * The pieces that make a scheduler look cheap, without a database: which held parts a change of stamps
 * forgets (catalog/stamps.ts), and the lag-sample buffer's writes — deferred into a transaction, put back if
 * it does not commit, kept when a flush fails (schedule/lag-buffer.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Queryable, Value } from '../src/backends/backend.js';
import type { LagSample } from '../src/catalog/catalog.js';
import { CatalogStamps, movedParts, STAMPED, stampsSql } from '../src/catalog/stamps.js';
import { LagSampleBuffer } from '../src/schedule/lag-buffer.js';

const sample = (name: string): LagSample => ({
  sampleTime: '2026-01-05 00:01:00',
  name,
  kind: 'CYCLE',
  dataTimestamp: '2026-01-05 00:00:00',
  lagSeconds: 60,
  targetLagSeconds: 60,
});

describe('catalog stamps', () => {
  const stamps = (over: Record<string, string> = {}) =>
    new Map(
      Object.entries(STAMPED).flatMap(([part, tables]) =>
        tables.map((t) => [`${part}:${t}`, over[t] ?? 'same'] as [string, string]),
      ),
    );

  it('one statement stamps every held table, data timestamps left out of the DTs’ stamp', () => {
    const sql = stampsSql();
    for (const tables of Object.values(STAMPED)) for (const t of tables) expect(sql).toContain(`FROM ${t} t`);
    expect(sql).toContain("to_jsonb(t) - 'data_timestamp'");
    expect(sql).toContain("SELECT 'data_timestamp', name");
  });

  it('forgets every part the first time, then only the parts whose tables moved', async () => {
    expect([...movedParts(undefined, stamps())].sort()).toEqual(['alerts', 'catalog', 'quality']);
    expect([...movedParts(stamps(), stamps())]).toEqual([]);
    expect([...movedParts(stamps(), stamps({ 'dtlab.incidents': 'other' }))]).toEqual(['alerts']);
    expect([...movedParts(stamps(), stamps({ 'dtlab.dependencies': 'other' }))]).toEqual(['catalog']);
    const forgotten: string[] = [];
    const reads = [stamps(), stamps(), stamps({ 'dtlab.dmf_schedules': 'x' })];
    const db: Queryable = {
      query: async () => ({
        columns: [],
        rows: [
          ...[...(reads.shift() as Map<string, string>)].map(
            ([k, v]) => [...k.split(':'), v, null] as Value[],
          ),
          ['data_timestamp', 'd', null, '2026-01-05 00:01:00'],
        ],
        rowCount: 0,
      }),
    };
    const checker = new CatalogStamps((p) => forgotten.push(p));
    expect((await checker.check(db)).get('d')).toBe('2026-01-05 00:01:00');
    expect(forgotten.sort()).toEqual(['alerts', 'catalog', 'quality']);
    forgotten.length = 0;
    await checker.check(db);
    expect(forgotten).toEqual([]);
    await checker.check(db);
    expect(forgotten).toEqual(['quality']);
  });
});

describe('lag sample buffer', () => {
  it('flushes in one statement, none when empty, and keeps the samples if the write fails', async () => {
    const buffer = new LagSampleBuffer();
    const sent: string[] = [];
    let fail = true;
    const db: Queryable = {
      query: async (sql) => {
        sent.push(sql);
        if (fail) throw new Error('down');
        return { columns: [], rows: [], rowCount: 0 };
      },
    };
    await buffer.flush(db);
    expect(sent).toEqual([]);
    buffer.add([sample('a')]);
    await expect(buffer.flush(db)).rejects.toThrow('down');
    expect(buffer.size).toBe(1);
    fail = false;
    buffer.add([sample('b')]);
    await buffer.flush(db);
    expect(sent).toHaveLength(2);
    expect(buffer.size).toBe(0);
  });
});
