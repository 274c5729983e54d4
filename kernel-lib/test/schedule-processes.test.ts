/**
 * Issue 6's acceptance on the PostgreSQL server, literally: two engine *processes* (Node child processes
 * running the built engine on the system clock) and a writer for 60 real seconds. One engine is killed
 * (SIGKILL) half-way; the other carries on. No DT is refreshed by both at once, none loses a write, and every
 * DT equals its query at the end. Needs `npm run build` (as `npm test` does first): the children run dist/.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend } from '../src/backends/backend.js';
import { openBackend } from '../src/backends/open.js';
import { Engine } from '../src/engine/engine.js';
import { parseTimestamp } from '../src/schedule/record.js';
import { freshBackend, serverUrlOf } from './helpers/backends.js';
import { expectEqualsQuery, PIPELINE_QUERIES, pipelineSql, rows } from './helpers/pipeline.js';

const DIST = new URL('../dist/', import.meta.url).href;

/** One engine process: schedules on the system clock and reports its scheduled refreshes on stdout. */
const CHILD = `
const { openBackend } = await import('${DIST}backends/open.js');
const { Engine } = await import('${DIST}engine/engine.js');
const { Scheduler } = await import('${DIST}schedule/scheduler.js');
const backend = await openBackend(process.argv.at(-1));
const engine = await Engine.open(backend);
const scheduler = new Scheduler(engine, { pollMs: 200 });
scheduler.events$.subscribe((e) => {
  if (e.type === 'refresh' && e.record.refreshTrigger === 'SCHEDULED')
    console.log(JSON.stringify({ name: e.record.name, state: e.record.state, dataTimestamp: e.record.dataTimestamp }));
});
scheduler.start();
process.on('SIGTERM', async () => {
  await scheduler.stop();
  await backend.close();
  process.exit(0);
});
console.log('"ready"');
`;

interface Reported {
  name: string;
  state: string;
  dataTimestamp: string | null;
}

function engineProcess(url: string): { child: ChildProcess; seen: Reported[]; ready: Promise<void> } {
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, url], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seen: Reported[] = [];
  let buffered = '';
  let onReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    onReady = resolve;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      const msg = JSON.parse(line) as Reported | 'ready';
      if (msg === 'ready') onReady();
      else seen.push(msg);
    }
  });
  return { child, seen, ready };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('two engine processes on the PostgreSQL server', () => {
  let backend: Backend;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    backend = await freshBackend('postgres');
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await backend?.close();
  });

  it('60 s of a writer and two engines, one killed half-way: no concurrent refresh, none lost', async () => {
    const url = serverUrlOf(backend) as string;
    const setup = await Engine.open(backend);
    // The shortest target lag is 1 minute (a refresh every 30 s): weekly gets it too, so that 60 s see cycles
    // of every tier; base stays DOWNSTREAM.
    const lags = (sql: string) => sql.replace("'10 minutes'", "'1 minute'");
    await setup.execute(lags(pipelineSql('pm')));
    await setup.execute(lags(pipelineSql('pn')));
    const engines = [engineProcess(url), engineProcess(url)];
    children.push(...engines.map((e) => e.child));
    await Promise.all(engines.map((e) => e.ready));

    const writer = await openBackend(url);
    let id = 1000;
    const started = Date.now();
    let killedAt = 0;
    while (Date.now() - started < 60_000) {
      await writer.query(`INSERT INTO pm_src VALUES (${id}, ${id % 9}, ${id % 13}), (${id + 1}, 2, 3)`);
      await writer.query(`INSERT INTO pn_src VALUES (${id}, ${id % 5}, 1)`);
      if (id % 7 === 0) await writer.query(`DELETE FROM pn_src WHERE id = ${id - 6}`);
      id += 2;
      if (killedAt === 0 && Date.now() - started > 30_000 && (engines[0]?.seen.length ?? 0) > 0) {
        engines[0]?.child.kill('SIGKILL');
        killedAt = Date.now();
      }
      await sleep(50);
    }
    const writesEnded = Date.now();
    await writer.close();
    // The survivor refreshes both top tiers past the last write, then stops.
    const caughtUp = (p: string) =>
      engines[1]?.seen.some(
        (r) =>
          r.name === `${p}_weekly` &&
          r.state === 'SUCCEEDED' &&
          parseTimestamp(String(r.dataTimestamp)) > writesEnded,
      );
    while (!caughtUp('pm') || !caughtUp('pn')) await sleep(200);
    const exited = new Promise((r) => engines[1]?.child.once('exit', r));
    engines[1]?.child.kill('SIGTERM');
    await exited;

    const history = await rows(
      setup,
      `SELECT name, state, data_timestamp, refresh_start_time, refresh_end_time FROM dtlab.refresh_history
        WHERE refresh_trigger = 'SCHEDULED' ORDER BY name, refresh_start_time`,
    );
    expect(history.filter((r) => r[1] !== 'SUCCEEDED')).toEqual([]);
    for (const p of ['pm', 'pn']) {
      for (const tier of ['base', 'daily', 'weekly']) {
        const name = `${p}_${tier}`;
        const mine = history.filter((r) => r[0] === name);
        // Two 30-second instants during the writes, and the one after them that the survivor was awaited for.
        expect(mine.length).toBeGreaterThanOrEqual(3);
        for (let i = 1; i < mine.length; i++) {
          // Never two refreshes of one DT at the same time, never one data timestamp refreshed twice.
          expect(String(mine[i]?.[3]) >= String(mine[i - 1]?.[4]), `${name} overlaps`).toBe(true);
          expect(String(mine[i]?.[2]) > String(mine[i - 1]?.[2]), `${name} data timestamps`).toBe(true);
          // None lost: successive data timestamps within the target lag, the engine's death included.
          const gap =
            (parseTimestamp(String(mine[i]?.[2])) - parseTimestamp(String(mine[i - 1]?.[2]))) / 1000;
          expect(gap, `${name} gap before ${mine[i]?.[2]}`).toBeLessThanOrEqual(60);
        }
      }
    }
    // Both engines worked, and the survivor went on after the other died.
    expect(engines[0]?.seen.length).toBeGreaterThan(0);
    expect(
      engines[1]?.seen.filter((r) => parseTimestamp(String(r.dataTimestamp)) > killedAt).length,
    ).toBeGreaterThan(0);
    for (const p of ['pm', 'pn'])
      for (const [dt, q] of Object.entries(PIPELINE_QUERIES(p))) await expectEqualsQuery(setup, dt, q);
  }, 180_000);
});
