/**
 * Every lesson notebook runs top to bottom through the magics in Node, on DuckDB (the page's engine) and on
 * PGlite and the PostgreSQL server (the kernel's): no cell fails, every `%dt check` passes on the reference
 * solutions, and each exercise's typical wrong answers fail with their message and hint first. Prints each
 * lesson's run time (a figure, not an assertion).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { pgConfig } from '../src/backends/postgres.js';
import { EXERCISES } from '../src/exercises/registry.js';
import { BACKEND_KINDS, type BackendKind, TEST_PG_URL } from './helpers/backends.js';
import { httpReceiver } from './helpers/receivers.js';
import { lessonCells, runLesson } from './lessons/run-lesson.js';

const LESSONS = ['scenario-a-exercises', 'scenario-b', 'scenario-c', 'gallery', 'scenario-d'] as const;

/** Runs `work` with the session spec of a fresh database; on the server a new database, dropped after. */
async function withSpec<T>(kind: BackendKind, work: (spec: string) => Promise<T>): Promise<T> {
  if (kind !== 'postgres') return work(kind);
  const name = `dtlab_test_lesson_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client(pgConfig(TEST_PG_URL));
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(TEST_PG_URL);
    url.pathname = `/${name}`;
    return await work(url.toString());
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  }
}

/**
 * Scenario D's calculator case: the estimate for the FULL, 10-minute table (credits a day / 24) and what its
 * warehouse calc_wh was billed for the hour the lesson then runs (the `%dt clock` bill summary).
 */
function calcVsRun(outputs: string[]): { estimated: number; measured: number } {
  const calc = outputs.find((o) => o.startsWith('estimate for lag 600 s, FULL'));
  const perDay = Number(/credits per day\s*\|\s*([\d.]+)/.exec(calc ?? '')?.[1]);
  const bill = outputs.findLast((o) => o.includes('warehouse calc_wh:'));
  const measured = Number(/warehouse calc_wh: .*billed ([\d.]+) credits/.exec(bill ?? '')?.[1]);
  expect(perDay, 'the calc output').toBeGreaterThan(0);
  expect(measured, 'the calc_wh bill').toBeGreaterThan(0);
  return { estimated: perDay / 24, measured };
}

describe.each(BACKEND_KINDS)('%s', (kind) => {
  it.each(LESSONS)(
    '%s runs top to bottom; its checks pass',
    async (lesson) => {
      // Scenario C's webhook integration posts to 127.0.0.1:8765 (scripts/webhook_receiver.py for learners).
      const receiver = lesson === 'scenario-c' ? await httpReceiver(8765, 900_000) : undefined;
      const run = await withSpec(kind, (spec) => runLesson(lesson, spec)).finally(() => receiver?.close());
      if (receiver) {
        const escalations = receiver.requests.filter(
          (r) => r.method === 'POST' && r.url === '/dtlab' && r.body.includes('quality_clean_orders'),
        );
        expect(escalations.map((r) => JSON.parse(r.body).subject)).toEqual([
          '[ESCALATED CRITICAL] clean_orders: fewer than 99% of rows pass an expectation',
        ]);
      }
      console.log(
        `${lesson} on ${kind}: ${run.cells} cells, checks passed ${run.checksPassed.join(', ') || 'none'}, ${run.wrongAnswersTried} wrong answers refused, ${(run.ms / 1000).toFixed(1)} s`,
      );
      if (process.env.DTLAB_LESSON_PRINT) console.log(run.outputs.join('\n----\n'));
      const expected = EXERCISES.filter((e) => e.lesson === lesson).map((e) => e.name);
      expect(run.checksPassed.sort()).toEqual(expected.sort());
      if (lesson === 'scenario-d') {
        const { estimated, measured } = calcVsRun(run.outputs);
        console.log(`scenario-d on ${kind}: estimate ${estimated} credits/h, measured ${measured} credits/h`);
        expect(Math.abs(estimated - measured) / measured).toBeLessThan(0.25);
      }
    },
    600_000,
  );
});

it('every exercise has a check cell in its lesson, after a collapsed solution of its own', () => {
  for (const e of EXERCISES.filter((x) => !x.lessonCheck)) {
    const cells = lessonCells(e.lesson);
    const at = cells.findIndex((c) => c.source.includes(`%dt check ${e.name}`));
    expect(at, e.name).toBeGreaterThan(0);
    const previousCheck = cells.slice(0, at).findLastIndex((c) => c.source.includes('%dt check'));
    const solution = cells.slice(0, at).findLastIndex((c) => c.solution);
    expect(solution, `${e.name}: a solution cell between the previous check and its own`).toBeGreaterThan(
      previousCheck,
    );
  }
});

it('the gallery creates every seed pipeline as the seeds write it, and one more', () => {
  const root = path.resolve(import.meta.dirname, '..', '..');
  const norm = (s: string) => s.replace(/\s+/g, ' ').trim();
  const seeds = readFileSync(path.join(root, 'data/pipelines/seed_pipelines.sql'), 'utf8');
  const statements = [...seeds.matchAll(/CREATE DYNAMIC TABLE (\w+)[\s\S]*?;/g)];
  expect(statements.length).toBe(7);
  const gallery = norm(
    lessonCells('gallery')
      .map((c) => c.source)
      .join('\n'),
  );
  for (const s of statements) expect(gallery, s[1]).toContain(norm(s[0].replace(/;$/, '')));
  const created = [
    ...gallery.matchAll(/(?:CREATE(?: OR REPLACE)? DYNAMIC TABLE|%%dynamic_table) (\w+)/g),
  ].map((m) => m[1]);
  expect(new Set(created).size).toBeGreaterThanOrEqual(8);
});
