/** Pieces shared by customers and suppliers: zero-padded names and phone numbers. */

import type { RandomStreams } from './rng.js';

/** dbgen's "%s%09lld" names, e.g. Customer#000000042 (longer keys simply print more digits). */
export function paddedName(tag: string, key: number): string {
  return tag + String(key).padStart(9, '0');
}

/**
 * dbgen's gen_phone(): the country code is 10 + the nation key, then three random groups. All draws
 * have fixed digit counts, so no padding is needed.
 */
export function randomPhone(rng: RandomStreams, nationKey: number, stream: number): string {
  const area = rng.unifInt(100, 999, stream);
  const exchange = rng.unifInt(100, 999, stream);
  const number = rng.unifInt(1000, 9999, stream);
  return `${10 + (nationKey % 90)}-${area}-${exchange}-${number}`;
}
