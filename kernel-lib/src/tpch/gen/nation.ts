/** The fixed nation and region tables; only their comments are random. */

import { NATIONS, REGIONS } from './dists.js';
import { N_CMNT_SD, NATION_STREAMS, R_CMNT_SD, RandomStreams, REGION_STREAMS } from './rng.js';
import { CommentSource, textPool } from './text.js';
import type { NationRow, RegionRow } from './types.js';

export const NATION_COUNT = NATIONS.members.length;
export const REGION_COUNT = REGIONS.members.length;

export function* nationRows(first: number, count: number): Generator<NationRow> {
  const rng = new RandomStreams();
  rng.skipRows(NATION_STREAMS, first - 1);
  const comments = new CommentSource(textPool(), 72);
  for (let i = first - 1; i < first - 1 + count; i++) {
    const comment = comments.draw(rng, N_CMNT_SD);
    rng.endRow(NATION_STREAMS);
    // dists.dss stores each nation's region key as the running sum of its weights.
    yield [i, NATIONS.members[i] as string, NATIONS.cumulative[i] as number, comment];
  }
}

export function* regionRows(first: number, count: number): Generator<RegionRow> {
  const rng = new RandomStreams();
  rng.skipRows(REGION_STREAMS, first - 1);
  const comments = new CommentSource(textPool(), 72);
  for (let i = first - 1; i < first - 1 + count; i++) {
    const comment = comments.draw(rng, R_CMNT_SD);
    rng.endRow(REGION_STREAMS);
    yield [i, REGIONS.members[i] as string, comment];
  }
}
