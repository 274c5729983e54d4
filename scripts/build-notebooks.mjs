#!/usr/bin/env node
/**
 * Builds the lesson notebooks in notebooks/ from their sources in content/ (Markdown, diffable): every
 * ```dtlab fenced block becomes a code cell, the prose between them markdown cells, the front matter's title
 * the notebook's. Deterministic (cell ids from the lesson name and index), so a rebuild of an unchanged source
 * changes nothing. `--check` fails if a checked-in notebook is not what its source builds.
 *
 *   node scripts/build-notebooks.mjs [--check]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
export const LESSONS = [
  'scenario-a',
  'scenario-a-exercises',
  'scenario-b',
  'scenario-c',
  'gallery',
  'scenario-d',
];

/** A solution cell: collapsed (JupyterLab's source_hidden) and tagged. */
const SOLUTION_METADATA = { jupyter: { source_hidden: true }, tags: ['solution'] };

/** Splits text into nbformat's list of lines (each keeping its newline but the last). */
const lines = (text) => text.split(/(?<=\n)/);

export function buildNotebook(name, source) {
  let body = source;
  let title = name;
  const front = /^---\n([\s\S]*?)\n---\n/.exec(source);
  if (front) {
    body = source.slice(front[0].length);
    title = /^title:\s*"?(.*?)"?\s*$/m.exec(front[1])?.[1] ?? name;
  }
  const cells = [];
  const add = (cell_type, text, metadata = {}) => {
    const trimmed = text.replace(/^\n+|\n+$/g, '');
    if (trimmed === '') return;
    const cell = { cell_type, id: `${name}-${cells.length}`, metadata, source: lines(trimmed) };
    if (cell_type === 'code') Object.assign(cell, { execution_count: null, outputs: [] });
    cells.push(cell);
  };
  // ```dtlab solution: an exercise's reference solution, its source collapsed in JupyterLab.
  const fence = /^```dtlab( solution)?\n([\s\S]*?)^```$/gm;
  let at = 0;
  for (const m of body.matchAll(fence)) {
    add('markdown', body.slice(at, m.index));
    add('code', m[2], m[1] ? SOLUTION_METADATA : {});
    at = m.index + m[0].length;
  }
  add('markdown', body.slice(at));
  const notebook = {
    cells,
    metadata: {
      // The magic cells run in the page (the DT Lab extension); the kernel only serves other cells.
      kernelspec: { display_name: 'Python 3 (ipykernel)', language: 'python', name: 'python3' },
      language_info: { name: 'python' },
      title,
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return `${JSON.stringify(notebook, null, 1)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main();

function main() {
  const check = process.argv.includes('--check');
  let stale = 0;
  for (const name of LESSONS) {
    const built = buildNotebook(name, readFileSync(path.join(root, 'content', `${name}.md`), 'utf8'));
    const target = path.join(root, 'notebooks', `${name}.ipynb`);
    const current = readdirSync(path.dirname(target)).includes(`${name}.ipynb`)
      ? readFileSync(target, 'utf8')
      : '';
    if (current === built) continue;
    if (check) {
      console.error(
        `notebooks/${name}.ipynb is not built from content/${name}.md: run npm run build:notebooks`,
      );
      stale++;
    } else {
      writeFileSync(target, built);
      console.log(`wrote notebooks/${name}.ipynb`);
    }
  }
  process.exit(stale ? 1 : 0);
}
