/**
 * Runs a lesson notebook's code cells top to bottom through the magics in Node, as the kernel and the page do:
 * the built notebook (notebooks/<lesson>.ipynb), so what is tested is what a learner runs. Before an exercise's
 * solution cells, the exercise's wrong answers (wrong-answers.ts) are run and its check must fail with the
 * expected message and hint; then the solution runs and the check must pass.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import type { OutputBundle } from '../../src/display/bundle.js';
import { DtError } from '../../src/errors.js';
import { nodeSession } from '../../src/magics/node.js';
import type { MagicSession } from '../../src/magics/session.js';
import { WRONG_ANSWERS } from './wrong-answers.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

export interface LessonCell {
  source: string;
  solution: boolean;
}

export function lessonCells(lesson: string): LessonCell[] {
  const nb = JSON.parse(readFileSync(path.join(ROOT, 'notebooks', `${lesson}.ipynb`), 'utf8')) as {
    cells: { cell_type: string; source: string[]; metadata: { tags?: string[] } }[];
  };
  return nb.cells
    .filter((c) => c.cell_type === 'code')
    .map((c) => ({ source: c.source.join(''), solution: c.metadata.tags?.includes('solution') ?? false }));
}

const CHECK = /^%dt check (\w+)/m;

export interface LessonRun {
  cells: number;
  checksPassed: string[];
  wrongAnswersTried: number;
  ms: number;
  outputs: string[];
}

/** The lesson on `spec` (duckdb, pglite, postgres://…), with each exercise's wrong answers first. */
export async function runLesson(lesson: string, spec: string): Promise<LessonRun> {
  const cells = lessonCells(lesson);
  const session = nodeSession({ defaultSpec: spec, start: Date.UTC(2026, 0, 5, 12) });
  const run: LessonRun = { cells: 0, checksPassed: [], wrongAnswersTried: 0, ms: 0, outputs: [] };
  const started = performance.now();
  try {
    for (let i = 0; i < cells.length; i++) {
      const cell = cells[i] as LessonCell;
      // At the first solution cell of an exercise: its wrong answers first.
      if (cell.solution && !cells[i - 1]?.solution) {
        const exercise = cells
          .slice(i)
          .find((c) => CHECK.test(c.source))
          ?.source.match(CHECK)?.[1];
        if (!exercise) throw new Error(`${lesson}: a solution cell with no %dt check after it`);
        for (const wrong of WRONG_ANSWERS[exercise] ?? []) {
          for (const c of wrong.cells) await runCell(session, c, wrong.cellErrors ?? false);
          const error = await session.run(`%dt check ${exercise}`).catch((e: unknown) => e);
          expect(error, `${exercise}: ${wrong.what} should fail`).toBeInstanceOf(DtError);
          expect((error as DtError).code).toBe('DT_ERR_CHECK');
          expect((error as DtError).message, `${exercise}: ${wrong.what}`).toMatch(wrong.message);
          expect((error as DtError).details.hint, `${exercise}: ${wrong.what}`).toMatch(wrong.hint);
          for (const c of wrong.cleanup ?? []) await runCell(session, c, false);
          run.wrongAnswersTried++;
        }
      }
      const out = await runCell(session, cell.source, false);
      run.outputs.push(out.map((b) => String(b.data['text/plain'] ?? '')).join('\n'));
      const check = CHECK.exec(cell.source);
      if (check) {
        expect(run.outputs.at(-1)).toContain(`exercise ${check[1]}: passed`);
        run.checksPassed.push(check[1] as string);
      }
      run.cells++;
    }
  } finally {
    run.ms = performance.now() - started;
    await session.close();
  }
  return run;
}

async function runCell(session: MagicSession, source: string, mayFail: boolean): Promise<OutputBundle[]> {
  try {
    return (await session.run(source)) ?? [];
  } catch (e) {
    if (mayFail) return [];
    throw new Error(`cell failed: ${source.split('\n')[0]}\n${e instanceof Error ? e.message : e}`, {
      cause: e,
    });
  }
}
