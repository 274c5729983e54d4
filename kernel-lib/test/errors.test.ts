import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';

it('documents every error code in docs/errors.md', () => {
  const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
  for (const code of Object.keys(ERROR_CODES)) expect(doc, code).toContain(`\`${code}\``);
  const documented = [...doc.matchAll(/`(DT_ERR_[A-Z_]+)`/g)].map((m) => m[1]);
  for (const code of documented)
    expect(Object.keys(ERROR_CODES), `${code} is documented but does not exist`).toContain(code);
});

it('documents every translated function in docs/sql-dialect.md', async () => {
  const { TRANSLATED_FUNCTIONS } = await import('../src/sql/translate.js');
  const doc = readFileSync(new URL('../../docs/sql-dialect.md', import.meta.url), 'utf8').toUpperCase();
  for (const fn of TRANSLATED_FUNCTIONS) expect(doc, fn).toContain(`\`${fn.toUpperCase()}`);
});
