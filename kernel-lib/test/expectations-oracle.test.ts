/**
 * The oracle with expectations: under random change sequences, after every refresh each DT equals its query
 * filtered by its DROP ROW / QUARANTINE expectations (VERIFY), and its quarantine holds exactly the rows of
 * the current query result that fail a QUARANTINE expectation, with the names of the expectations they fail,
 * less those discarded (multisets) — on DuckDB, PGlite, PostgreSQL. Discards are modelled here: a discarded
 * row (its content and failed expectations) stays discarded while the current result holds such a row, as
 * many copies as it holds (D := min(D, V) after each refresh), and is forgotten when it leaves.
 * DTs cover every write path: row deltas (projection over a join), linear aggregates, affected keys
 * (DISTINCT), FULL. A FAIL UPDATE DT must fail exactly when the current result has a violating row, keeping
 * its previous contents. Random re-admits: refused (DT_ERR_EXPECTATION, nothing changed) while the row is
 * still in the result and still violates; otherwise accepted, and the invariants hold after. Random discards
 * of quarantined rows (recorded, out of the quarantine at once). Random ALTER … DROP / ADD CONSTRAINT changes
 * an expectation between refreshes.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Value } from '../src/backends/backend.js';
import { Engine } from '../src/engine/engine.js';
import { DtError } from '../src/errors.js';
import { keepConditionSql } from '../src/plan/expectations.js';
import type { Expectation } from '../src/sql/expectations.js';
import { BACKEND_KINDS, freshBackend } from './helpers/backends.js';
import { AB_TABLES, AB_WRITES } from './helpers/oracle.js';

const DTS: { name: string; columns: string[]; ddl: string; query: string }[] = [
  {
    name: 'rows_q',
    columns: ['k', 'v', 'w'],
    ddl: `(CONSTRAINT pos EXPECT (v > 0) ON VIOLATION QUARANTINE, CONSTRAINT w_known EXPECT (w IS NOT NULL) ON VIOLATION DROP ROW,
      CONSTRAINT small_k EXPECT (k < 4)) TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL`,
    query: 'SELECT a.k, a.v, b.w FROM a JOIN b ON a.k = b.k',
  },
  {
    name: 'agg_q',
    columns: ['g', 'c', 'sv'],
    ddl: `(g, c, sv, CONSTRAINT big EXPECT (c < 3) ON VIOLATION QUARANTINE, CONSTRAINT g_known EXPECT (g IS NOT NULL) ON VIOLATION DROP ROW)
      TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL`,
    query: 'SELECT g, COUNT(*) AS c, SUM(v) AS sv FROM a GROUP BY g',
  },
  {
    name: 'distinct_q',
    columns: ['g', 's'],
    ddl: `(CONSTRAINT s_known EXPECT (s IS NOT NULL) ON VIOLATION QUARANTINE, CONSTRAINT g_pos EXPECT (g >= 0) ON VIOLATION DROP ROW)
      TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL`,
    query: 'SELECT DISTINCT g, s FROM a',
  },
  {
    name: 'full_q',
    columns: ['k', 'v'],
    ddl: `(CONSTRAINT v_known EXPECT (v IS NOT NULL) ON VIOLATION DROP ROW, CONSTRAINT not_low EXPECT (v > -2) ON VIOLATION QUARANTINE)
      TARGET_LAG = '1 minute' REFRESH_MODE = FULL`,
    query: 'SELECT k, v FROM a',
  },
];
const STRICT = { name: 'strict_q', query: 'SELECT k, w FROM b' };
const DOWN = { name: 'down_q', query: 'SELECT w, COUNT(*) AS n, SUM(v) AS sv FROM rows_q GROUP BY w' };

type Step =
  | { kind: 'sql'; sql: string }
  | { kind: 'readmit'; dt: number; pick: number }
  | { kind: 'discard'; dt: number; pick: number }
  | { kind: 'alter'; limit: number };
const { insertA, insertB, moveGroup, deleteA, deleteB, setW } = AB_WRITES;
const write = fc.oneof(
  insertA,
  insertB,
  moveGroup,
  fc.integer({ min: 0, max: 3 }).map((g) => `UPDATE a SET v = v + 2 WHERE g = ${g}`),
  fc.integer({ min: 0, max: 5 }).map((k) => `UPDATE a SET s = 'z' WHERE k = ${k}`),
  deleteA,
  deleteB,
  setW,
);
/** A re-admit at the end of a batch: after the writes that may have fixed (or removed) quarantined rows. */
const readmitStep: fc.Arbitrary<Step> = fc
  .tuple(fc.integer({ min: 0, max: DTS.length - 1 }), fc.nat(20))
  .map(([dt, pick]) => ({ kind: 'readmit' as const, dt, pick }));
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: write.map((sql) => ({ kind: 'sql' as const, sql })) },
  {
    weight: 4,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: DTS.length - 1 }), fc.nat(20))
      .map(([dt, pick]) => ({ kind: 'readmit' as const, dt, pick })),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: DTS.length - 1 }), fc.nat(20))
      .map(([dt, pick]) => ({ kind: 'discard' as const, dt, pick })),
  },
  {
    weight: 1,
    arbitrary: fc.integer({ min: 2, max: 4 }).map((limit) => ({ kind: 'alter' as const, limit })),
  },
);

/** A multiset of rows (content and failed expectations), by a key of their values. */
type Bag = Map<string, number>;
const keyOf = (values: Value[]) =>
  JSON.stringify(values.map((v) => (v === null || v === undefined ? null : String(v))));
const bagOf = (rows: Value[][]): Bag => {
  const bag: Bag = new Map();
  for (const r of rows) bag.set(keyOf(r), (bag.get(keyOf(r)) ?? 0) + 1);
  return bag;
};
const minus = (a: Bag, b: Bag): Bag =>
  new Map([...a].map(([k, n]) => [k, n - (b.get(k) ?? 0)] as [string, number]).filter(([, n]) => n > 0));
const sameBag = (a: Bag, b: Bag) => minus(a, b).size === 0 && minus(b, a).size === 0;

describe.each(BACKEND_KINDS)('expectations oracle on %s', (kind) => {
  let engine: Engine;
  const tally = {
    refused: 0,
    readmitted: 0,
    failUpdate: 0,
    discarded: 0,
    /** Discarded rows still violating after a refresh that rewrote rows (they stayed out). */
    held: 0,
    /** Discarded rows that left the result (forgotten). */
    forgotten: 0,
    actions: new Map<string, number>(),
  };
  /** Per DT, the discarded rows as the oracle models them. */
  const discarded = new Map<string, Bag>(DTS.map((d) => [d.name, new Map()]));
  const rows = async (sql: string): Promise<Value[][]> => (await engine.execute(sql)).at(-1)?.rows ?? [];
  const count = async (sql: string) => Number((await rows(sql))[0]?.[0]);

  beforeAll(async () => {
    engine = await Engine.open(await freshBackend(kind));
    await engine.execute(AB_TABLES);
    for (const d of DTS) await engine.execute(`CREATE DYNAMIC TABLE ${d.name} ${d.ddl} AS ${d.query}`);
    // A DT reading a DT with expectations reads its filtered rows.
    await engine.execute(
      `CREATE DYNAMIC TABLE ${DOWN.name} TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS ${DOWN.query}`,
    );
    await engine.execute(
      `CREATE DYNAMIC TABLE ${STRICT.name} (CONSTRAINT w_ok EXPECT (w IS NULL OR w > -2) ON VIOLATION FAIL UPDATE)
        TARGET_LAG = '1 minute' REFRESH_MODE = INCREMENTAL AS ${STRICT.query}`,
    );
  });
  afterAll(async () => {
    await engine?.close();
  });

  const expectationsOf = async (name: string) =>
    (await engine.listDynamicTables()).find((d) => d.name === name)?.expectations ?? [];
  /** The rows of the current result failing a QUARANTINE expectation, with the names of all they fail. */
  const violating = async (d: (typeof DTS)[number]): Promise<Bag> => {
    const list: Expectation[] = await expectationsOf(d.name);
    const flags = list.map((e) => `coalesce((${e.condition}), FALSE)`);
    const out: Value[][] = [];
    for (const r of await rows(`SELECT ${[...d.columns, ...flags].join(', ')} FROM (${d.query}) AS q`)) {
      const ok = r.slice(d.columns.length).map((f) => f === true);
      if (!list.some((e, i) => e.action === 'QUARANTINE' && !ok[i])) continue;
      out.push([
        ...r.slice(0, d.columns.length),
        list
          .filter((_e, i) => !ok[i])
          .map((e) => e.name)
          .join(', '),
      ]);
    }
    return bagOf(out);
  };
  const quarantined = async (d: (typeof DTS)[number]) =>
    rows(`SELECT ${d.columns.join(', ')}, dtlab_expectations FROM dtlab.quarantine_${d.name}`);

  /**
   * After a refresh of `d`: the discarded rows it no longer holds are forgotten, and the quarantine equals the
   * violating rows of the current result less the discarded ones (multisets).
   */
  const checkQuarantine = async (d: (typeof DTS)[number], context: string, action?: string | null) => {
    const v = await violating(d);
    const gone = discarded.get(d.name) as Bag;
    for (const [k, n] of gone) {
      const still = Math.min(n, v.get(k) ?? 0);
      tally.forgotten += n - still;
      if (action && action !== 'NO_DATA') tally.held += still;
      if (still > 0) gone.set(k, still);
      else gone.delete(k);
    }
    const expected = minus(v, gone);
    const q = await quarantined(d);
    if (!sameBag(bagOf(q), expected))
      throw new Error(
        `quarantine of ${d.name} differs after ${context}: has ${JSON.stringify(q, (_k, x) => (typeof x === 'bigint' ? String(x) : x))}, expected ${JSON.stringify([...expected])} (violating ${JSON.stringify([...v])}, discarded ${JSON.stringify([...gone])})`,
      );
  };

  const refreshAndCheck = async (context: string) => {
    for (const d of DTS) {
      const r = await engine.refresh(d.name);
      tally.actions.set(r.refreshAction ?? '-', (tally.actions.get(r.refreshAction ?? '-') ?? 0) + 1);
      const v = await engine.verify(d.name);
      if (!v.equal)
        throw new Error(
          `${d.name} differs from its filtered query after ${context}: ${JSON.stringify(v.rows)}`,
        );
      await checkQuarantine(d, context, r.refreshAction);
    }
    await engine.refresh(DOWN.name);
    const down = await engine.verify(DOWN.name);
    if (!down.equal)
      throw new Error(`${DOWN.name} differs from its query after ${context}: ${JSON.stringify(down.rows)}`);
    const before = await rows(`SELECT k, w FROM ${STRICT.name} ORDER BY k, w`);
    const bad = await count(
      `SELECT count(*) FROM (${STRICT.query}) AS q WHERE NOT coalesce(w IS NULL OR w > -2, FALSE)`,
    );
    try {
      await engine.refresh(STRICT.name);
      if (bad > 0)
        throw new Error(`${STRICT.name} refreshed although ${bad} row(s) violate w_ok, after ${context}`);
      expect((await engine.verify(STRICT.name)).equal, context).toBe(true);
    } catch (e) {
      if (!(e instanceof DtError) || e.code !== 'DT_ERR_REFRESH_FAILED' || bad === 0) throw e;
      expect(e.message).toMatch(/w_ok/);
      tally.failUpdate++;
      expect(await rows(`SELECT k, w FROM ${STRICT.name} ORDER BY k, w`), context).toEqual(before);
    }
  };

  const readmit = async (d: (typeof DTS)[number], pick: number, context: string) => {
    const ids = await rows(`SELECT dtlab_id FROM dtlab.quarantine_${d.name} ORDER BY dtlab_id`);
    if (ids.length === 0) return;
    const id = Number(ids[pick % ids.length]?.[0]);
    const same = d.columns.map((c) => `x.${c} IS NOT DISTINCT FROM v.${c}`).join(' AND ');
    // Still violating: the row is in the current result and fails a current DROP ROW / QUARANTINE expectation.
    const keep = keepConditionSql(await expectationsOf(d.name), engine.backend.family);
    const failing = `SELECT * FROM (${d.query}) AS q WHERE NOT (${keep})`;
    const stillViolates =
      (await count(
        `SELECT count(*) FROM dtlab.quarantine_${d.name} AS x WHERE x.dtlab_id = ${id} AND EXISTS (SELECT 1 FROM (${failing}) AS v WHERE ${same})`,
      )) > 0;
    const sizeBefore = await count(`SELECT count(*) FROM dtlab.quarantine_${d.name}`);
    const reviewsBefore = await count('SELECT count(*) FROM dtlab.quarantine_reviews');
    try {
      await engine.reviewQuarantine(d.name, 'READMIT', [id]);
      if (stillViolates)
        throw new Error(`row ${id} of ${d.name} was re-admitted although it still violates (${context})`);
      tally.readmitted++;
      expect(await count('SELECT count(*) FROM dtlab.quarantine_reviews')).toBe(reviewsBefore + 1);
      expect((await engine.verify(d.name)).equal).toBe(true);
      await checkQuarantine(d, `re-admit of ${id} after ${context}`, 'READMIT');
    } catch (e) {
      if (!(e instanceof DtError) || e.code !== 'DT_ERR_EXPECTATION' || !stillViolates) throw e;
      tally.refused++;
      expect(await count(`SELECT count(*) FROM dtlab.quarantine_${d.name}`)).toBe(sizeBefore);
      expect(await count('SELECT count(*) FROM dtlab.quarantine_reviews')).toBe(reviewsBefore);
    }
  };

  /** DISCARD of a quarantined row: recorded, out of the quarantine at once, nothing else changed. */
  const discard = async (d: (typeof DTS)[number], pick: number) => {
    const q = await rows(
      `SELECT dtlab_id, ${d.columns.join(', ')}, dtlab_expectations FROM dtlab.quarantine_${d.name} ORDER BY dtlab_id`,
    );
    if (q.length === 0) return;
    const row = q[pick % q.length] as Value[];
    const reviewsBefore = await count('SELECT count(*) FROM dtlab.quarantine_reviews');
    const dtBefore = await count(`SELECT count(*) FROM ${d.name}`);
    await engine.execute(`ALTER DYNAMIC TABLE ${d.name} DISCARD QUARANTINED ROWS (${Number(row[0])})`);
    tally.discarded++;
    const gone = discarded.get(d.name) as Bag;
    const key = keyOf(row.slice(1));
    gone.set(key, (gone.get(key) ?? 0) + 1);
    expect(await count('SELECT count(*) FROM dtlab.quarantine_reviews')).toBe(reviewsBefore + 1);
    expect(await count(`SELECT count(*) FROM ${d.name}`)).toBe(dtBefore);
    expect(
      sameBag(bagOf(await quarantined(d)), minus(bagOf(q.map((r) => r.slice(1))), bagOf([row.slice(1)]))),
    ).toBe(true);
  };

  const property = fc.asyncProperty(
    fc.array(
      fc
        .tuple(fc.array(step, { minLength: 1, maxLength: 4 }), readmitStep)
        .map(([steps, last]) => [...steps, last]),
      { minLength: 1, maxLength: 4 },
    ),
    async (batches) => {
      // A start with quarantined rows in every DT, for re-admits to find.
      await engine.execute(`DELETE FROM a; DELETE FROM b;
        INSERT INTO a VALUES (1, 1, -1, NULL), (2, 1, 0, 'x'), (3, 2, -3, 'y'), (1, 1, 2, 'x'), (4, 1, 1, NULL);
        INSERT INTO b VALUES (1, 1), (2, 0), (3, 2), (4, 1)`);
      await refreshAndCheck('reset');
      for (const [i, batch] of batches.entries()) {
        const context = `batch ${i + 1}: ${JSON.stringify(batch)}`;
        for (const s of batch) {
          if (s.kind === 'sql') await engine.execute(s.sql);
          else if (s.kind === 'readmit') await readmit(DTS[s.dt] as (typeof DTS)[number], s.pick, context);
          else if (s.kind === 'discard') await discard(DTS[s.dt] as (typeof DTS)[number], s.pick);
          else
            await engine.execute(
              `ALTER DYNAMIC TABLE agg_q DROP CONSTRAINT big; ALTER DYNAMIC TABLE agg_q ADD CONSTRAINT big EXPECT (c < ${s.limit}) ON VIOLATION QUARANTINE`,
            );
        }
        await refreshAndCheck(context);
      }
    },
  );

  it('each DT equals its filtered query and its quarantine the violating rows, after every refresh', async () => {
    // One fixed case first, so every kind of event happens at least once: FAIL UPDATE (w = -2), an accepted
    // re-admit (the quarantined rows' source rows deleted), a refused one (a violating row still there).
    const sql = (text: string): Step => ({ kind: 'sql', sql: text });
    const fixed: Step[][] = [
      [
        sql('INSERT INTO b VALUES (1, -2)'),
        sql('DELETE FROM a WHERE k < 9'),
        { kind: 'readmit', dt: 0, pick: 0 },
      ],
      [sql("INSERT INTO a VALUES (1, 1, -1, 'x')"), sql('DELETE FROM b WHERE w = -2')],
      [{ kind: 'readmit', dt: 0, pick: 0 }],
    ];
    // Discards later refreshes must remember (from the start's quarantined rows): a FULL DT's refreshes, a
    // group recomputed to the same row; and forget: rows whose source changes (their new versions violate).
    const discards: Step[][] = [
      [
        { kind: 'discard', dt: 3, pick: 0 },
        { kind: 'discard', dt: 1, pick: 0 },
        { kind: 'discard', dt: 0, pick: 0 },
        { kind: 'discard', dt: 2, pick: 0 },
        sql('INSERT INTO a VALUES (5, 3, 1, NULL)'),
      ],
      [sql('UPDATE a SET g = g WHERE k = 1'), sql("INSERT INTO a VALUES (6, 1, 1, 'x')")],
      [sql('UPDATE a SET v = v - 1 WHERE v < 0'), sql('DELETE FROM a WHERE k = 3')],
    ];
    await fc.assert(property, {
      numRuns: Number(process.env.DTLAB_ORACLE_RUNS ?? 15),
      examples: [[fixed], [discards]],
    });
    console.log(
      `${kind}: actions ${JSON.stringify(Object.fromEntries(tally.actions))}, re-admits refused ${tally.refused}, accepted ${tally.readmitted}, FAIL UPDATE ${tally.failUpdate}, discards ${tally.discarded} (held ${tally.held}, forgotten ${tally.forgotten})`,
    );
    expect(tally.actions.get('INCREMENTAL') ?? 0).toBeGreaterThan(0);
    expect(tally.failUpdate).toBeGreaterThan(0);
    expect(tally.refused).toBeGreaterThan(0);
    expect(tally.readmitted).toBeGreaterThan(0);
    expect(tally.discarded).toBeGreaterThan(0);
    expect(tally.held).toBeGreaterThan(0);
    expect(tally.forgotten).toBeGreaterThan(0);
  }, 900_000);
});
