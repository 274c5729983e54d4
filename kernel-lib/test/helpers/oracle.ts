/**
 * The oracle's harness, shared by the oracle tests: one engine on a fresh backend with source tables and DTs,
 * random writes as SQL, and after every batch each DT refreshed and VERIFYed (EXCEPT ALL both ways), a
 * difference failing the run with what was written. Refresh actions are counted per DT.
 */
import fc from 'fast-check';
import { Engine } from '../../src/engine/engine.js';
import type { RefreshRecord } from '../../src/types.js';
import { type BackendKind, freshBackend } from './backends.js';

export type Lit = number | string | null;

/** An integer in [-max, max], NULL about one time in five. */
export const small = (max: number) => fc.option(fc.integer({ min: -max, max }), { nil: null, freq: 5 });

/** A value as a SQL literal. */
export const lit = (v: Lit): string => (v === null ? 'NULL' : typeof v === 'string' ? `'${v}'` : String(v));

/** Rows as a VALUES list: `(1, NULL), (2, 'x')`. */
export const values = (rows: readonly (readonly Lit[])[]): string =>
  rows.map((r) => `(${r.map(lit).join(', ')})`).join(', ');

export const insertSql = (table: string, rows: readonly (readonly Lit[])[]): string =>
  `INSERT INTO ${table} VALUES ${values(rows)}`;

/** The two tables most oracles write to, and rows for them: small domains, so duplicates are frequent. */
export const AB_TABLES =
  'CREATE TABLE a (k INTEGER, g INTEGER, v INTEGER, s VARCHAR(5)); CREATE TABLE b (k INTEGER, w INTEGER)';
const aRow = fc.tuple(fc.integer({ min: 0, max: 5 }), small(3), small(3), fc.constantFrom('x', 'y', null));
const bRow = fc.tuple(fc.integer({ min: 0, max: 5 }), small(2));

/** Writes to a and b, each an arbitrary of SQL; an oracle picks among them (fc.oneof) in an order of its own. */
export const AB_WRITES = {
  insertA: fc.array(aRow, { minLength: 1, maxLength: 4 }).map((rows) => insertSql('a', rows)),
  insertB: fc.array(bRow, { minLength: 1, maxLength: 3 }).map((rows) => insertSql('b', rows)),
  /** A row of a moved to another group (or to the NULL group). */
  moveGroup: fc
    .tuple(small(3), fc.integer({ min: 0, max: 5 }))
    .map(([g, k]) => `UPDATE a SET g = ${lit(g)} WHERE k = ${k}`),
  bumpGroup: fc.integer({ min: 0, max: 3 }).map((g) => `UPDATE a SET v = v + 1 WHERE g = ${g}`),
  deleteA: fc.integer({ min: 0, max: 5 }).map((k) => `DELETE FROM a WHERE k = ${k}`),
  deleteB: fc.integer({ min: 0, max: 5 }).map((k) => `DELETE FROM b WHERE k = ${k}`),
  setW: fc
    .tuple(fc.integer({ min: 0, max: 5 }), small(2))
    .map(([k, w]) => `UPDATE b SET w = ${lit(w)} WHERE k = ${k}`),
};

/** Name, query, REFRESH_MODE where it is not the default, and a column list (`g INTEGER, n BIGINT`) if any. */
export type DtSpec = readonly [name: string, query: string, mode?: string, columns?: string];

/** Refresh actions counted per DT ('none' where a refresh did nothing). */
export class ActionTally {
  private readonly byDt = new Map<string, Map<string, number>>();

  add(name: string, action: string): void {
    const per = this.byDt.get(name) ?? new Map<string, number>();
    per.set(action, (per.get(action) ?? 0) + 1);
    this.byDt.set(name, per);
  }

  /** Refreshes of the DT (all DTs when undefined) that took this action. */
  count(action: string, name?: string): number {
    let n = 0;
    for (const [dt, per] of this.byDt) if (name === undefined || dt === name) n += per.get(action) ?? 0;
    return n;
  }

  totals(): Record<string, number> {
    const all = new Map<string, number>();
    for (const per of this.byDt.values()) for (const [a, n] of per) all.set(a, (all.get(a) ?? 0) + n);
    return Object.fromEntries(all);
  }

  perDt(): Record<string, Record<string, number>> {
    return Object.fromEntries([...this.byDt].map(([name, per]) => [name, Object.fromEntries(per)]));
  }
}

export interface OracleSetup {
  /** SQL run before the DTs are created: the source tables, views, starting rows. */
  setup: readonly string[];
  dts: readonly DtSpec[];
  /** REFRESH_MODE of the DTs that name none. */
  mode?: string;
  /** Sees every refresh's record before VERIFY; throws to fail the run (e.g. `incrementalOnly`). */
  onRefresh?: (name: string, record: RefreshRecord, context: string) => void;
}

/** An `onRefresh` that fails the run on a FULL or REINITIALIZE refresh, naming the DT, the writes and why. */
export function incrementalOnly(name: string, record: RefreshRecord, context: string): void {
  const action = record.refreshAction;
  if (action === 'FULL' || action === 'REINITIALIZE')
    throw new Error(`${name} refreshed ${action} after ${context}: ${record.reason}`);
}

export class Oracle {
  readonly tally = new ActionTally();

  private constructor(
    readonly engine: Engine,
    private readonly names: readonly string[],
    private readonly onRefresh?: OracleSetup['onRefresh'],
  ) {}

  /** A fresh backend of this kind, the setup SQL run, each DT created with TARGET_LAG = '1 minute'. */
  static async open(kind: BackendKind, options: OracleSetup): Promise<Oracle> {
    const engine = await Engine.open(await freshBackend(kind));
    for (const sql of options.setup) await engine.execute(sql);
    for (const [name, query, mode, columns] of options.dts)
      await engine.execute(
        `CREATE DYNAMIC TABLE ${name}${columns ? ` (${columns})` : ''} TARGET_LAG = '1 minute' REFRESH_MODE = ${mode ?? options.mode ?? 'INCREMENTAL'} AS ${query}`,
      );
    return new Oracle(
      engine,
      options.dts.map(([name]) => name),
      options.onRefresh,
    );
  }

  /** Refreshes every DT in order and VERIFYs it; a DT that differs from its query throws with the context. */
  async check(context: string): Promise<void> {
    for (const name of this.names) {
      const record = await this.engine.refresh(name);
      this.tally.add(name, record.refreshAction ?? 'none');
      this.onRefresh?.(name, record, context);
      const v = await this.engine.verify(name);
      if (!v.equal)
        throw new Error(`${name} differs from its query after ${context}:\n${JSON.stringify(v.rows)}`);
    }
  }

  /**
   * The property over batches of random writes: the reset SQL and a check, then each batch's writes and a
   * check. Sizes are the most writes in a batch and the most batches.
   */
  batches(
    step: fc.Arbitrary<string>,
    size: { writes: number; batches: number },
    reset: string,
  ): fc.IAsyncPropertyWithHooks<[string[][]]> {
    return fc.asyncProperty(
      fc.array(fc.array(step, { minLength: 1, maxLength: size.writes }), {
        minLength: 1,
        maxLength: size.batches,
      }),
      async (batches) => {
        await this.engine.execute(reset);
        await this.check('reset');
        for (const [i, batch] of batches.entries()) {
          for (const sql of batch) await this.engine.execute(sql);
          await this.check(`batch ${i + 1}: ${batch.join('; ')}`);
        }
      },
    );
  }

  async close(): Promise<void> {
    await this.engine.close();
  }
}
