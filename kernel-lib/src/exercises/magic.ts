/** The `%dt check` and `%dt impact` magics' work (the grammar is in magics/dt-line.ts). */
/** `%dt impact TABLE.COLUMN`: the DTs that would break, directly or through an upstream. */
export function impactBundle(dts: readonly DynamicTable[], table: string, column: string): OutputBundle {
  const rows = columnImpact(dts, table, column).map((i) => [i.name, i.how, i.through.join(', '), i.depth]);
  if (rows.length === 0) return textBundle(`no dynamic table uses ${table}.${column}`);
  return tableBundle(
    {
      columns: [
        { name: 'dynamic_table', type: 'varchar' },
        { name: 'breaks', type: 'varchar' },
        { name: 'through', type: 'varchar' },
        { name: 'depth', type: 'integer' },
      ],
      rows,
    },
    `${rows.length} dynamic tables break if ${table}.${column} is renamed or dropped`,
  );
}

/** `%dt check EXERCISE`: runs a lesson's exercise; passes with a list of what was checked, else DT_ERR_CHECK. */
import { columnImpact } from '../catalog/impact.js';
import { type OutputBundle, tableBundle, textBundle } from '../display/bundle.js';
import type { Engine } from '../engine/engine.js';
import { DtError } from '../errors.js';
import { closest } from '../magics/words.js';
import type { DynamicTable } from '../types.js';
import { EXERCISES, findExercise } from './registry.js';
import { checkError, resultText, runExercise } from './run.js';

export async function checkExercise(engine: Engine, name: string): Promise<OutputBundle> {
  const exercise = findExercise(name);
  if (!exercise) {
    const names = EXERCISES.map((e) => e.name);
    const guess = closest(name, names);
    throw new DtError(
      'DT_ERR_UNKNOWN_OBJECT',
      `no exercise '${name}'${guess ? ` (did you mean ${guess}?)` : ''}; exercises: ${names.join(', ')}`,
    );
  }
  const result = await runExercise(engine, exercise);
  if (!result.passed) throw checkError(result);
  return textBundle(resultText(result));
}
