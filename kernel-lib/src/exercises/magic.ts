/** `%dt check EXERCISE`: runs a lesson's exercise; passes with a list of what was checked, else DT_ERR_CHECK. */
import { type OutputBundle, textBundle } from '../display/bundle.js';
import type { Engine } from '../engine/engine.js';
import { DtError } from '../errors.js';
import { closest } from '../magics/words.js';
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
