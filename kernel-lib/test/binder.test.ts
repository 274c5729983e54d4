/**
 * The Binder configuration (binder/) agrees with scripts/setup.sh: the same build steps, a Node new enough for
 * package.json's engines, every lesson in notebooks/ (which the JupyterLite build ships whole). The full build
 * in a clean clone and venv is scripts/binder-build.sh (minutes, network): run by hand, not here.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (f: string) => readFileSync(path.join(ROOT, f), 'utf8');

it('binder/postBuild runs every build step of scripts/setup.sh', () => {
  const setup = read('scripts/setup.sh');
  const post = read('binder/postBuild');
  const steps: [RegExp, RegExp][] = [
    [/pip install .*-r requirements\.txt/, /pip install .*-r requirements\.txt/],
    [/npm ci/, /npm ci/],
    [/npm run build:extension/, /npm run build:extension/],
    [
      /npm run install:extension/,
      /pip install --no-deps --force-reinstall --no-build-isolation \.\/extension/,
    ],
    [/dtlab-kernel\.js install --prefix/, /dtlab-kernel\.js install --prefix/],
    [/scripts\/build-notebooks\.mjs/, /scripts\/build-notebooks\.mjs/],
  ];
  for (const [inSetup, inPost] of steps) {
    expect(setup, `setup.sh no longer has ${inSetup}: update this test and binder/postBuild`).toMatch(
      inSetup,
    );
    expect(post, `binder/postBuild lacks setup.sh's step ${inSetup}`).toMatch(inPost);
  }
  // npm run install:extension is that pip command, into .venv.
  const pkg = JSON.parse(read('package.json')) as {
    scripts: Record<string, string>;
    engines: { node: string };
  };
  expect(pkg.scripts['install:extension']).toMatch(
    /pip install --quiet --no-deps --force-reinstall --no-build-isolation \.\/extension/,
  );
  expect(statSync(path.join(ROOT, 'binder/postBuild')).mode & 0o111, 'postBuild must be executable').not.toBe(
    0,
  );
});

it('binder/environment.yml gives the Node and Python the project needs', () => {
  const env = read('binder/environment.yml');
  const pkg = JSON.parse(read('package.json')) as { engines: { node: string } };
  const needNode = Number(/(\d+)/.exec(pkg.engines.node)?.[1]);
  const node = Number(/^\s*-\s*nodejs=(\d+)/m.exec(env)?.[1]);
  expect(node).toBeGreaterThanOrEqual(needNode);
  const py = /^\s*-\s*python=3\.(\d+)/m.exec(env)?.[1];
  expect(Number(py)).toBeGreaterThanOrEqual(9);
  // Python packages come from requirements.txt only (pinned once).
  expect(env).not.toMatch(/^\s*-\s*(jupyterlab|jupyterlite)/m);
});

it('every lesson is built into notebooks/, which the JupyterLite site ships whole', () => {
  const builder = read('scripts/build-notebooks.mjs');
  const lessons = JSON.parse(
    (/export const LESSONS = (\[[^\]]*\])/.exec(builder)?.[1] ?? '[]')
      .replace(/'/g, '"')
      .replace(/,\s*\]$/, ']'),
  ) as string[];
  expect(lessons).toEqual(expect.arrayContaining(['scenario-a', 'scenario-b', 'gallery']));
  for (const l of lessons) expect(() => read(`notebooks/${l}.ipynb`)).not.toThrow();
  expect(read('scripts/build-lite.mjs')).toMatch(/--contents=\$\{path\.join\(ROOT, 'notebooks'\)\}/);
});
