/** The part and partsupp tables (dbgen's mk_part, which builds a part with its four suppliers). */

import { COLORS, P_CONTAINERS, P_TYPES, pickString } from './dists.js';
import { partSupplierKey, retailPriceCents } from './keys.js';
import {
  P_BRND_SD,
  P_CMNT_SD,
  P_CNTR_SD,
  P_MFG_SD,
  P_NAME_SD,
  P_SIZE_SD,
  P_TYPE_SD,
  PART_STREAMS,
  PARTSUPP_STREAMS,
  PS_CMNT_SD,
  PS_QTY_SD,
  PS_SCST_SD,
  RandomStreams,
} from './rng.js';
import type { ScaleInfo } from './scale.js';
import { CommentSource, textPool } from './text.js';
import type { PartRow, PartsuppRow } from './types.js';

export const SUPPLIERS_PER_PART = 4;
const NAME_WORDS = 5;

/** Part rows for part keys first … first+count−1. */
export function* partRows(first: number, count: number): Generator<PartRow> {
  const rng = new RandomStreams();
  rng.skipRows(PART_STREAMS, first - 1);
  const comments = new CommentSource(textPool(), 14);
  const colors = COLORS.members;
  const order = new Int32Array(colors.length);
  const lastColor = colors.length - 1;
  for (let key = first; key < first + count; key++) {
    // agg_str(): a fresh Fisher–Yates shuffle of all 92 colours for every part (one draw per
    // position, always all 92), of which the first five make the name.
    for (let i = 0; i < order.length; i++) order[i] = i;
    for (let i = 0; i < order.length; i++) {
      const j = rng.unifInt(i, lastColor, P_NAME_SD);
      const t = order[j] as number;
      order[j] = order[i] as number;
      order[i] = t;
    }
    let name = colors[order[0] as number] as string;
    for (let i = 1; i < NAME_WORDS; i++) name += ` ${colors[order[i] as number]}`;

    const manufacturer = rng.unifInt(1, 5, P_MFG_SD);
    const brand = manufacturer * 10 + rng.unifInt(1, 5, P_BRND_SD);
    const type = pickString(rng, P_TYPES, P_TYPE_SD);
    const size = rng.unifInt(1, 50, P_SIZE_SD);
    const container = pickString(rng, P_CONTAINERS, P_CNTR_SD);
    const comment = comments.draw(rng, P_CMNT_SD);
    rng.endRow(PART_STREAMS);
    yield [
      key,
      name,
      `Manufacturer#${manufacturer}`,
      `Brand#${brand}`,
      type,
      size,
      container,
      retailPriceCents(key) / 100,
      comment,
    ];
  }
}

/** Partsupp rows for the suppliers of part keys first … first+count−1 (four rows per part). */
export function* partsuppRows(info: ScaleInfo, first: number, count: number): Generator<PartsuppRow> {
  const rng = new RandomStreams();
  rng.skipRows(PARTSUPP_STREAMS, first - 1);
  const comments = new CommentSource(textPool(), 124);
  for (let key = first; key < first + count; key++) {
    for (let i = 0; i < SUPPLIERS_PER_PART; i++) {
      const supplier = partSupplierKey(key, i, info.suppliers);
      const available = rng.unifInt(1, 9999, PS_QTY_SD);
      const cost = rng.unifInt(100, 100_000, PS_SCST_SD) / 100;
      const comment = comments.draw(rng, PS_CMNT_SD);
      yield [key, supplier, available, cost, comment];
    }
    rng.endRow(PARTSUPP_STREAMS);
  }
}
