/** The customer table (dbgen's mk_cust). */

import { paddedName, randomPhone } from './contact.js';
import { MARKET_SEGMENTS, NATIONS, pickString } from './dists.js';
import {
  C_ABAL_SD,
  C_ADDR_SD,
  C_CMNT_SD,
  C_MSEG_SD,
  C_NTRG_SD,
  C_PHNE_SD,
  CUSTOMER_STREAMS,
  RandomStreams,
} from './rng.js';
import { CommentSource, randomAlphanumeric, textPool } from './text.js';
import type { CustomerRow } from './types.js';

export function* customerRows(first: number, count: number): Generator<CustomerRow> {
  const rng = new RandomStreams();
  rng.skipRows(CUSTOMER_STREAMS, first - 1);
  const comments = new CommentSource(textPool(), 73);
  const lastNation = NATIONS.members.length - 1;
  for (let key = first; key < first + count; key++) {
    const address = randomAlphanumeric(rng, 25, C_ADDR_SD);
    const nation = rng.unifInt(0, lastNation, C_NTRG_SD);
    const phone = randomPhone(rng, nation, C_PHNE_SD);
    const balance = rng.unifInt(-99_999, 999_999, C_ABAL_SD) / 100;
    const segment = pickString(rng, MARKET_SEGMENTS, C_MSEG_SD);
    const comment = comments.draw(rng, C_CMNT_SD);
    rng.endRow(CUSTOMER_STREAMS);
    yield [key, paddedName('Customer#', key), address, nation, phone, balance, segment, comment];
  }
}
