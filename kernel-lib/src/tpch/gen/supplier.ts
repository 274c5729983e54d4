/** The supplier table (dbgen's mk_supp). */

import { paddedName, randomPhone } from './contact.js';
import { NATIONS } from './dists.js';
import {
  BBB_CMNT_SD,
  BBB_JNK_SD,
  BBB_OFFSET_SD,
  BBB_TYPE_SD,
  RandomStreams,
  S_ABAL_SD,
  S_ADDR_SD,
  S_CMNT_SD,
  S_NTRG_SD,
  S_PHNE_SD,
  SUPPLIER_STREAMS,
} from './rng.js';
import { CommentSource, randomAlphanumeric, textPool } from './text.js';
import type { SupplierRow } from './types.js';

/**
 * About 10 suppliers in 10,000 get a "Customer … Complaints/Recommends" remark planted in their comment
 * (what query 16 looks for). The draws happen for every supplier so that rows stay independent.
 */
const BBB_PER_10K = 10;
const BBB_COMPLAINT_PERCENT = 50;
const BBB_BASE = 'Customer ';
const BBB_LENGTH = 19; // "Customer " + "Complaints"

export function* supplierRows(first: number, count: number): Generator<SupplierRow> {
  const rng = new RandomStreams();
  rng.skipRows(SUPPLIER_STREAMS, first - 1);
  const comments = new CommentSource(textPool(), 63);
  const lastNation = NATIONS.members.length - 1;
  for (let key = first; key < first + count; key++) {
    const address = randomAlphanumeric(rng, 25, S_ADDR_SD);
    const nation = rng.unifInt(0, lastNation, S_NTRG_SD);
    const phone = randomPhone(rng, nation, S_PHNE_SD);
    const balance = rng.unifInt(-99_999, 999_999, S_ABAL_SD) / 100;
    let comment = comments.draw(rng, S_CMNT_SD);
    const badPress = rng.unifInt(1, 10_000, BBB_CMNT_SD);
    const kind = rng.unifInt(0, 100, BBB_TYPE_SD);
    const noise = rng.unifInt(0, comment.length - BBB_LENGTH, BBB_JNK_SD);
    const offset = rng.unifInt(0, comment.length - (BBB_LENGTH + noise), BBB_OFFSET_SD);
    if (badPress <= BBB_PER_10K) {
      const verdict = kind < BBB_COMPLAINT_PERCENT ? 'Complaints' : 'Recommends';
      const at = offset + BBB_BASE.length + noise;
      comment =
        comment.slice(0, offset) +
        BBB_BASE +
        comment.slice(offset + BBB_BASE.length, at) +
        verdict +
        comment.slice(at + verdict.length);
    }
    rng.endRow(SUPPLIER_STREAMS);
    yield [key, paddedName('Supplier#', key), address, nation, phone, balance, comment];
  }
}
