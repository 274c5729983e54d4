/**
 * dbgen's random number machinery.
 *
 * Every generated column draws from its own stream of the Park–Miller "minimal standard" generator
 * (x' = 16807·x mod 2^31−1). After each row, dbgen advances every stream the table owns to a fixed
 * per-row *boundary* (the most draws a row can ever need), so the stream state at the start of row n is
 * a pure function of n. That is what makes it possible to start generating at any row (dbgen's -C/-S
 * chunks and its -U refresh sets rely on the same property), and we reproduce it exactly.
 *
 * All arithmetic here is exact: seeds are < 2^31, so 16807·seed < 2^46 fits a double's 53-bit mantissa,
 * and general modular products are split into halves before multiplying.
 */

import { advanceRand64, nextRand64, nthElementOn64 } from './rng64.js';

export const MODULUS = 2147483647;
const MULTIPLIER = 16807;
const TWO_31 = 2147483648;

// Stream numbers (dbgen's *_SD constants). The text pool has stream 5 to itself.
export const P_MFG_SD = 0;
export const P_BRND_SD = 1;
export const P_TYPE_SD = 2;
export const P_SIZE_SD = 3;
export const P_CNTR_SD = 4;
export const TEXT_POOL_SD = 5;
export const P_CMNT_SD = 6;
export const PS_QTY_SD = 7;
export const PS_SCST_SD = 8;
export const PS_CMNT_SD = 9;
export const O_SUPP_SD = 10;
export const O_CLRK_SD = 11;
export const O_CMNT_SD = 12;
export const O_ODATE_SD = 13;
export const L_QTY_SD = 14;
export const L_DCNT_SD = 15;
export const L_TAX_SD = 16;
export const L_SHIP_SD = 17;
export const L_SMODE_SD = 18;
export const L_PKEY_SD = 19;
export const L_SKEY_SD = 20;
export const L_SDTE_SD = 21;
export const L_CDTE_SD = 22;
export const L_RDTE_SD = 23;
export const L_RFLG_SD = 24;
export const L_CMNT_SD = 25;
export const C_ADDR_SD = 26;
export const C_NTRG_SD = 27;
export const C_PHNE_SD = 28;
export const C_ABAL_SD = 29;
export const C_MSEG_SD = 30;
export const C_CMNT_SD = 31;
export const S_ADDR_SD = 32;
export const S_NTRG_SD = 33;
export const S_PHNE_SD = 34;
export const S_ABAL_SD = 35;
export const S_CMNT_SD = 36;
export const P_NAME_SD = 37;
export const O_PRIO_SD = 38;
export const HVAR_SD = 39;
export const O_CKEY_SD = 40;
export const N_CMNT_SD = 41;
export const R_CMNT_SD = 42;
export const O_LCNT_SD = 43;
export const BBB_JNK_SD = 44;
export const BBB_TYPE_SD = 45;
export const BBB_CMNT_SD = 46;
export const BBB_OFFSET_SD = 47;

export const STREAM_COUNT = 48;

/** Initial value of each stream (dbgen's Seed[] table), indexed by stream number. */
const INITIAL_SEEDS: readonly number[] = [
  1, 46831694, 1841581359, 1193163244, 727633698, 933588178, 804159733, 1671059989, 1051288424, 1961692154,
  1227283347, 1171034773, 276090261, 1066728069, 209208115, 554590007, 721958466, 1371272478, 675466456,
  1808217256, 2095021727, 1769349045, 904914315, 373135028, 717419739, 1095462486, 881155353, 1489529863,
  1521138112, 298370230, 1140279430, 1335826707, 706178559, 110356601, 884434366, 962338209, 1341315363,
  709314158, 591449447, 431918286, 851767375, 606179079, 1500869201, 1434868289, 263032577, 753643799,
  202794285, 715851524,
];

/**
 * Draws each stream consumes per row, after rounding up (the "boundary"). Lineitem streams are per
 * *order* (up to 7 lines), partsupp streams per *part* (4 suppliers); comments take two draws (offset
 * and length into the text pool); addresses up to 9 (a length plus one draw per 5 characters).
 */
export const BOUNDARIES: readonly number[] = [
  1, 1, 1, 1, 1, 1, 2, 4, 4, 8, 1, 1, 2, 1, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 14, 9, 1, 3, 1, 1, 2, 9, 1, 3, 1,
  2, 92, 1, 1, 1, 2, 2, 1, 1, 1, 1, 1,
];

/** Streams advanced together at the end of each row of the given table (and its child table). */
export const PART_STREAMS: readonly number[] = [
  P_MFG_SD,
  P_BRND_SD,
  P_TYPE_SD,
  P_SIZE_SD,
  P_CNTR_SD,
  P_CMNT_SD,
  P_NAME_SD,
];
export const PARTSUPP_STREAMS: readonly number[] = [PS_QTY_SD, PS_SCST_SD, PS_CMNT_SD];
export const SUPPLIER_STREAMS: readonly number[] = [
  S_ADDR_SD,
  S_NTRG_SD,
  S_PHNE_SD,
  S_ABAL_SD,
  S_CMNT_SD,
  BBB_JNK_SD,
  BBB_TYPE_SD,
  BBB_CMNT_SD,
  BBB_OFFSET_SD,
];
export const CUSTOMER_STREAMS: readonly number[] = [
  C_ADDR_SD,
  C_NTRG_SD,
  C_PHNE_SD,
  C_ABAL_SD,
  C_MSEG_SD,
  C_CMNT_SD,
];
export const ORDER_STREAMS: readonly number[] = [
  O_SUPP_SD,
  O_CLRK_SD,
  O_CMNT_SD,
  O_ODATE_SD,
  O_PRIO_SD,
  O_CKEY_SD,
  O_LCNT_SD,
];
export const LINEITEM_STREAMS: readonly number[] = [
  L_QTY_SD,
  L_DCNT_SD,
  L_TAX_SD,
  L_SHIP_SD,
  L_SMODE_SD,
  L_PKEY_SD,
  L_SKEY_SD,
  L_SDTE_SD,
  L_CDTE_SD,
  L_RDTE_SD,
  L_RFLG_SD,
  L_CMNT_SD,
  HVAR_SD,
];
export const NATION_STREAMS: readonly number[] = [N_CMNT_SD];
export const REGION_STREAMS: readonly number[] = [R_CMNT_SD];

/** The first value of the text-pool stream; the pool is always built from the pristine stream. */
export const TEXT_POOL_SEED = 933588178;

/**
 * x mod (2^31−1) for 0 ≤ x < 2^52, folding 2^31 ≡ 1 (a division by a power of two and a floor, exact in
 * doubles) instead of a slow fmod: the high part plus the low part is below twice the modulus.
 */
function fold(x: number): number {
  const hi = Math.floor(x / TWO_31);
  const r = x - hi * TWO_31 + hi;
  return r >= MODULUS ? r - MODULUS : r;
}

/** One step of the Park–Miller generator. */
export function nextRand(seed: number): number {
  return fold(seed * MULTIPLIER);
}

/** Exact a·b mod (2^31−1) for 0 ≤ a, b < 2^31 (the product itself would need 62 bits). */
function mulMod(a: number, b: number): number {
  const bHi = Math.floor(b / 65536);
  const bLo = b - bHi * 65536;
  return fold(fold(a * bHi) * 65536 + a * bLo); // both products < 2^47, the sum < 2^48: exact
}

/** The seed after `count` more draws (dbgen's NthElement: square-and-multiply on 16807^count). */
export function advanceSeed(seed: number, count: number): number {
  let mult = MULTIPLIER;
  let z = seed;
  let n = count;
  while (n > 0) {
    if (n % 2 === 1) z = mulMod(mult, z);
    n = Math.floor(n / 2);
    mult = mulMod(mult, mult);
  }
  return z;
}

/**
 * Per stream, the multiplier that skips 2^k whole rows: 16807^(boundary · 2^k) mod (2^31−1), k = 0 … 52.
 * Skipping n rows then multiplies the seed by the entries of n's set bits: popcount(n) products, where
 * advanceSeed on n · boundary draws takes two per bit of that count (the simulator skips to a random row
 * for every order it creates).
 */
const ROW_JUMPS: readonly Float64Array[] = BOUNDARIES.map((boundary) => {
  const jumps = new Float64Array(53);
  let m = advanceSeed(1, boundary);
  for (let k = 0; k < jumps.length; k++) {
    jumps[k] = m;
    m = mulMod(m, m);
  }
  return jumps;
});

/** The seed of stream `stream` after `rows` whole rows (a row: the stream's boundary of draws). */
export function skipSeedRows(seed: number, stream: number, rows: number): number {
  const jumps = ROW_JUMPS[stream] as Float64Array;
  let z = seed;
  let n = rows;
  for (let k = 0; n > 0; k++) {
    if (n % 2 === 1) z = mulMod(jumps[k] as number, z);
    n = Math.floor(n / 2);
  }
  return z;
}

/** The complete state of dbgen's random streams, with per-row usage accounting. */
export class RandomStreams {
  private readonly seeds = Float64Array.from(INITIAL_SEEDS);
  private readonly usage = new Int32Array(STREAM_COUNT);
  /** 64-bit stream values, present only for streams switched to the 64-bit generator. */
  private readonly wide: (bigint | undefined)[] = new Array(STREAM_COUNT).fill(undefined);

  /**
   * dbgen's UnifInt: uniform integer in [low, high], computed in double precision exactly as the C code
   * does (the truncation of value/M·range is part of the output).
   */
  unifInt(low: number, high: number, stream: number): number {
    const v = nextRand(this.seeds[stream] as number);
    this.seeds[stream] = v;
    this.usage[stream] = (this.usage[stream] as number) + 1;
    return low + Math.floor((v / MODULUS) * (high - low + 1));
  }

  /**
   * 31 random bits as a_rnd() receives them from a draw in [0, 0x7FFFFFFF]. dbgen computes that range's
   * size, 2^31, in 32-bit signed arithmetic, where it wraps to −2^31, so the value comes back negated;
   * callers take its low bits in two's complement (the reference data confirms this).
   */
  randomBits31(stream: number): number {
    const v = nextRand(this.seeds[stream] as number);
    this.seeds[stream] = v;
    this.usage[stream] = (this.usage[stream] as number) + 1;
    return -Math.floor((v / MODULUS) * TWO_31);
  }

  /** Switch a stream to dbgen's 64-bit generator (keeping its current value as the 64-bit seed). */
  useWide(stream: number): void {
    this.wide[stream] = BigInt(this.seeds[stream] as number);
  }

  /** dbgen's dss_random64: |next 64-bit value| mod range, added to low. */
  unifInt64(low: number, high: number, stream: number): number {
    const v = nextRand64(this.wide[stream] as bigint);
    this.wide[stream] = v;
    this.usage[stream] = (this.usage[stream] as number) + 1;
    const magnitude = BigInt.asIntN(64, v < 0n ? -v : v);
    return low + Number(magnitude % BigInt(high - low + 1));
  }

  /** Finish a row: move each listed stream on to its per-row boundary (dbgen's row_stop). */
  endRow(streams: readonly number[]): void {
    for (let i = 0; i < streams.length; i++) {
      const s = streams[i] as number;
      const pending = (BOUNDARIES[s] as number) - (this.usage[s] as number);
      this.usage[s] = 0;
      if (pending <= 0) continue;
      const w = this.wide[s];
      if (w !== undefined) {
        this.wide[s] = nthElementOn64(w, pending);
      } else if (pending <= 8) {
        let v = this.seeds[s] as number;
        for (let k = 0; k < pending; k++) v = nextRand(v);
        this.seeds[s] = v;
      } else {
        this.seeds[s] = advanceSeed(this.seeds[s] as number, pending);
      }
    }
  }

  /** Skip whole rows on the listed streams, as dbgen's sd_* seed functions do for -C/-S and -U. */
  skipRows(streams: readonly number[], rows: number): void {
    if (rows <= 0) return;
    for (let i = 0; i < streams.length; i++) {
      const s = streams[i] as number;
      const w = this.wide[s];
      if (w !== undefined) this.wide[s] = advanceRand64(w, rows * (BOUNDARIES[s] as number));
      else this.seeds[s] = skipSeedRows(this.seeds[s] as number, s, rows);
    }
  }
}
