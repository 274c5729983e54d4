/**
 * Comment text and random alphanumeric strings.
 *
 * dbgen never generates comments on the fly. At start-up it writes a 300 MiB pool of pseudo-English
 * sentences (grammar → phrases → words, all drawn from one dedicated stream), and every comment is a
 * random window of that pool: one draw for the offset, one for the length. Because the offsets span
 * the whole pool, even a tiny scale factor needs all of it, so we build it once, lazily, and keep it as
 * one flat ASCII string: slicing that is far cheaper than decoding bytes per comment.
 */

import {
  ADJECTIVES,
  ADVERBS,
  ARTICLES,
  AUXILIARIES,
  type Distribution,
  GRAMMAR,
  NOUN_PHRASES,
  NOUNS,
  PREPOSITIONS,
  TERMINATORS,
  VERB_PHRASES,
  VERBS,
} from './dists.js';
import { MODULUS, nextRand, type RandomStreams, TEXT_POOL_SEED } from './rng.js';

/** dbgen's TEXT_POOL_SIZE. */
export const TEXT_POOL_SIZE = 300 * 1024 * 1024;

/** Longest sentence dbgen allows (MAX_SENT_LEN); we leave that much slack past the pool's end. */
const MAX_SENTENCE = 256;

const SPACE = 0x20;

/**
 * All word classes of the grammar flattened into typed arrays, so the pool builder's inner loop is
 * plain integer work: class c draws j in 1..total[c], lookup[base[c] + j] names a word w, and the word's
 * bytes are chars[start[w] .. start[w + 1]).
 */
class WordTable {
  readonly lookupParts: number[] = [];
  readonly base: number[] = [];
  readonly total: number[] = [];
  readonly starts: number[] = [0];
  readonly charList: number[] = [];
  /** Word number of each class's first member. */
  readonly first: number[] = [];

  /** Register a distribution; returns its class number. */
  add(d: Distribution): number {
    const firstWord = this.starts.length - 1;
    for (const member of d.members) {
      for (let i = 0; i < member.length; i++) this.charList.push(member.charCodeAt(i));
      this.starts.push(this.charList.length);
    }
    this.base.push(this.lookupParts.length);
    this.total.push(d.total);
    this.first.push(firstWord);
    for (const index of d.lookup) this.lookupParts.push(firstWord + index);
    return this.base.length - 1;
  }
}

/** Parse phrase forms ("J, J N") into [class, punctuation] pairs, flattened per form. */
function parseForms(forms: Distribution, classes: Record<string, number>): Int32Array[] {
  return forms.members.map((form) =>
    Int32Array.from(
      form.split(' ').flatMap((token) => {
        const wordClass = classes[token.charAt(0)];
        if (wordClass === undefined) throw new Error(`TPC-H text grammar: unknown word class in "${form}"`);
        return [wordClass, token.length > 1 ? token.charCodeAt(1) : 0];
      }),
    ),
  );
}

const NOUN_PHRASE = 0;
const VERB_PHRASE = 1;
const PREPOSITIONAL_PHRASE = 2;
const TERMINATOR = 3;

/**
 * Build the text pool bytes exactly as dbgen's dbg_text() initialisation does: sentences separated by a
 * single space, the last one cut off at the pool size. A sentence follows a grammar form (e.g. noun
 * phrase, verb phrase, terminator); each phrase follows a phrase form whose words are drawn from their
 * class, each followed by its punctuation (if any) and a space; the terminator replaces the final space.
 */
function buildPoolBytes(): Uint8Array {
  const words = new WordTable();
  const classes = {
    nounPhrase: words.add(NOUN_PHRASES),
    verbPhrase: words.add(VERB_PHRASES),
    grammar: words.add(GRAMMAR),
    preposition: words.add(PREPOSITIONS),
    terminator: words.add(TERMINATORS),
  };
  const adverbs = words.add(ADVERBS);
  const nounForms = parseForms(NOUN_PHRASES, {
    A: words.add(ARTICLES),
    J: words.add(ADJECTIVES),
    D: adverbs,
    N: words.add(NOUNS),
  });
  // No verb-phrase form carries punctuation, so dbgen's slightly different handling of it there
  // (the character would be overwritten) never matters.
  const verbForms = parseForms(VERB_PHRASES, { D: adverbs, V: words.add(VERBS), X: words.add(AUXILIARIES) });
  const codes: Record<string, number> = {
    N: NOUN_PHRASE,
    V: VERB_PHRASE,
    P: PREPOSITIONAL_PHRASE,
    T: TERMINATOR,
  };
  const sentenceForms = GRAMMAR.members.map((form) =>
    Int32Array.from(form.split(' '), (t) => codes[t] as number),
  );
  const lookup = Int32Array.from(words.lookupParts);
  const base = Int32Array.from(words.base);
  const total = Float64Array.from(words.total);
  const start = Int32Array.from(words.starts);
  const chars = Uint8Array.from(words.charList);
  const the = Uint8Array.from(' the ', (c) => c.charCodeAt(0));
  // Form distributions are drawn like word classes; subtracting the first word number gives the form.
  const grammarFirst = words.first[classes.grammar] as number;
  const nounFormFirst = words.first[classes.nounPhrase] as number;
  const verbFormFirst = words.first[classes.verbPhrase] as number;

  // Writing past TEXT_POOL_SIZE and truncating afterwards gives the same bytes as dbgen's chopping of
  // the last sentence; the extra draws do not matter since nothing else uses this stream.
  const pool = new Uint8Array(TEXT_POOL_SIZE + MAX_SENTENCE + 1);
  let seed = TEXT_POOL_SEED;
  let p = 0;
  // dbgen's pick_str() on the text stream, inlined: one draw, then the word it selects.
  const draw = (wordClass: number): number => {
    seed = nextRand(seed);
    const j = 1 + Math.floor((seed / MODULUS) * (total[wordClass] as number));
    return lookup[(base[wordClass] as number) + j] as number;
  };
  const put = (word: number): void => {
    const end = start[word + 1] as number;
    for (let k = start[word] as number; k < end; k++) pool[p++] = chars[k] as number;
  };

  while (p < TEXT_POOL_SIZE) {
    const sentence = sentenceForms[draw(classes.grammar) - grammarFirst] as Int32Array;
    for (let t = 0; t < sentence.length; t++) {
      let part = sentence[t] as number;
      if (part === TERMINATOR) {
        p--;
        put(draw(classes.terminator));
        continue;
      }
      if (part === PREPOSITIONAL_PHRASE) {
        put(draw(classes.preposition));
        for (let k = 0; k < the.length; k++) pool[p++] = the[k] as number;
        part = NOUN_PHRASE;
      }
      const form = (
        part === NOUN_PHRASE
          ? nounForms[draw(classes.nounPhrase) - nounFormFirst]
          : verbForms[draw(classes.verbPhrase) - verbFormFirst]
      ) as Int32Array;
      for (let k = 0; k < form.length; k += 2) {
        put(draw(form[k] as number));
        const punctuation = form[k + 1] as number;
        if (punctuation !== 0) pool[p++] = punctuation;
        pool[p++] = SPACE;
      }
    }
    pool[p++] = SPACE;
  }
  return pool.subarray(0, TEXT_POOL_SIZE);
}

let cachedPool: string | undefined;

/** The 300 MiB comment text pool (built on first use, which takes a few seconds). */
export function textPool(): string {
  if (cachedPool === undefined) cachedPool = new TextDecoder().decode(buildPoolBytes());
  return cachedPool;
}

/** Drop the cached pool so its memory can be reclaimed; it is rebuilt on the next use. */
export function releaseTextPool(): void {
  cachedPool = undefined;
}

/**
 * dbgen's TEXT(avg, stream): a window of the pool whose length is uniform in [0.4·avg, 1.6·avg].
 * The bounds are computed in floating point and truncated, as the C macro does.
 */
export class CommentSource {
  private readonly min: number;
  private readonly max: number;

  constructor(
    private readonly text: string,
    averageLength: number,
  ) {
    this.min = Math.trunc(averageLength * 0.4);
    this.max = Math.trunc(averageLength * 1.6);
  }

  draw(rng: RandomStreams, stream: number): string {
    const offset = rng.unifInt(0, TEXT_POOL_SIZE - this.max, stream);
    const length = rng.unifInt(this.min, this.max, stream);
    return this.text.substring(offset, offset + length);
  }
}

const ALPHANUMERIC = '0123456789abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ,';

/**
 * dbgen's V_STR / a_rnd(): a random string over 64 characters, length uniform in [0.4·avg, 1.6·avg];
 * each 31-bit draw supplies five 6-bit characters.
 */
export function randomAlphanumeric(rng: RandomStreams, averageLength: number, stream: number): string {
  const length = rng.unifInt(Math.trunc(averageLength * 0.4), Math.trunc(averageLength * 1.6), stream);
  let s = '';
  let bits = 0;
  for (let i = 0; i < length; i++) {
    if (i % 5 === 0) bits = rng.randomBits31(stream);
    s += ALPHANUMERIC.charAt(bits & 63);
    bits >>= 6;
  }
  return s;
}
