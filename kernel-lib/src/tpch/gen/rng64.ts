/**
 * dbgen's 64-bit generator. Only used by dbgen for o_custkey and l_partkey when the scale factor is ≥ 30000,
 * where the key ranges outgrow the 31-bit generator (tpch/gen/rng.ts). BigInt is fine here: nobody generates
 * 30 TB in a browser, and the common path never touches it.
 */

const RNG64_A = 6364136223846793005n;
const RNG64_C = 1n;
/** The 31-bit generator's modulus and multiplier (tpch/gen/rng.ts), as BigInts. */
const BIG_MODULUS = 2147483647n;
const BIG_MULTIPLIER = 16807n;

export function nextRand64(seed: bigint): bigint {
  return BigInt.asIntN(64, seed * RNG64_A + RNG64_C);
}

/** dbgen's AdvanceRand64: jump the 64-bit LCG ahead by `count` steps. */
export function advanceRand64(seed: bigint, count: number): bigint {
  if (count === 0) return seed;
  const mask = (1n << 64n) - 1n;
  let aPow = RNG64_A;
  let dSum = RNG64_C;
  const n = BigInt(count);
  let nBit = 0;
  while (n >> BigInt(nBit) !== 1n) nBit++;
  while (--nBit >= 0) {
    dSum = (dSum * (aPow + 1n)) & mask;
    aPow = (aPow * aPow) & mask;
    if (((n >> BigInt(nBit)) & 1n) === 1n) {
      dSum = (dSum + aPow) & mask;
      aPow = (aPow * RNG64_A) & mask;
    }
  }
  return BigInt.asIntN(64, seed * aPow + dSum * RNG64_C);
}

/**
 * dbgen's end-of-row NthElement applied to a stream that holds a 64-bit value: the multiply wraps at 64
 * bits and C's `%` keeps the dividend's sign. A quirk, but it is what dbgen does at SF ≥ 30000.
 */
export function nthElementOn64(seed: bigint, count: number): bigint {
  let mult = BIG_MULTIPLIER;
  let z = seed;
  let n = count;
  while (n > 0) {
    if (n % 2 === 1) z = BigInt.asIntN(64, mult * z) % BIG_MODULUS;
    n = Math.floor(n / 2);
    mult = (mult * mult) % BIG_MODULUS;
  }
  return z;
}
