/** `dtlab quality` and DMF statements through `dtlab sql`: the same grammar as the magics, on a persistent PGlite. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.js';

const dir = mkdtempSync(path.join(tmpdir(), 'dtlab-cli-quality-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const status = await main(
    argv,
    (s) => out.push(s),
    (s) => err.push(s),
  );
  return { status, out: out.join('\n'), err: err.join('\n') };
}

describe('dtlab quality', () => {
  it('runs DMF statements in dtlab sql and prints the scorecard', async () => {
    const db = `pglite:${dir}/pg`;
    const setup = await cli(
      'sql',
      '--db',
      db,
      '-c',
      `CREATE TABLE t (a INT); INSERT INTO t VALUES (1), (NULL);
       ALTER TABLE t ADD DATA METRIC FUNCTION SNOWFLAKE.CORE.NULL_COUNT ON (a) EXPECTATION no_null (VALUE = 0);
       SHOW DATA METRIC FUNCTIONS LIKE 'NULL%'`,
    );
    expect(setup.status).toBe(0);
    expect(setup.out).toMatch(/NULL_COUNT/);
    const measured = await cli('quality', 't', '--db', db, '--evaluate');
    expect(measured.status).toBe(0);
    expect(measured.out).toMatch(/t\s+\|?\s*0\s+\|?\s*ERROR/);
    expect(measured.out).toMatch(/NULL_COUNT\(a\) no_null \(VALUE = 0\) = 1/);
    const all = await cli('quality', '--db', db);
    expect(all.status).toBe(0);
    expect(all.out).toMatch(/Data quality scorecard/);
    const bad = await cli('sql', '--db', db, '-c', "ALTER TABLE t SET DATA_METRIC_SCHEDULE = '0 MINUTE'");
    expect(bad.status).toBe(1);
    expect(bad.err).toMatch(/DT_ERR_OPTION at line 1, column 42: invalid DATA_METRIC_SCHEDULE '0 MINUTE'/);
    expect((await cli('quality', '--evaluate', '--db', db)).status).toBe(2);
  });
});
