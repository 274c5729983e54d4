/** IMMUTABLE WHERE through the magics (PGlite): the `%%dynamic_table` header takes it; `%dt verify` names the region. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openBackend } from '../src/backends/open.js';
import { MagicSession } from '../src/magics/session.js';

let session: MagicSession;
beforeAll(() => {
  session = new MagicSession({
    defaultSpec: 'pglite',
    open: (spec) => openBackend(spec),
    start: Date.UTC(2030, 0, 1),
  });
});
afterAll(() => session.close());

const text = async (cell: string) => {
  const out = await session.run(cell);
  if (out === null) throw new Error('not a magic');
  return out.map((b) => String(b.data['text/plain'])).join('\n');
};

it('creates a DT with IMMUTABLE WHERE from a cell and verifies its mutable region', async () => {
  await text(
    '%%sql\nCREATE TABLE ev (k INTEGER, day INTEGER, v INTEGER);\nINSERT INTO ev VALUES (1, 1, 1), (2, 5, 2)',
  );
  await text(
    "%%dynamic_table ev_m TARGET_LAG = '1 minute' IMMUTABLE WHERE (day < 3)\nSELECT k, day, v FROM ev",
  );
  await text('%%sql\nUPDATE ev SET v = v + 10');
  await text('%dt refresh ev_m');
  expect(await text('%%sql\nSELECT k, v FROM ev_m ORDER BY k')).toMatch(/1\D+1\b[\s\S]*2\D+12/);
  expect(await text('%dt verify ev_m')).toMatch(
    /ev_m equals its query outside its immutable region \(1 rows there, kept as they were, not compared\): verified/,
  );
});
