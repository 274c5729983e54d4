/**
 * The distributions of dbgen's dists.dss: word lists with relative weights. The data (members, their
 * order and weights) must match dists.dss exactly, because a draw selects a member by its position in
 * the running sum of weights.
 */

import type { RandomStreams } from './rng.js';

export interface Distribution {
  readonly members: readonly string[];
  /** Running sum of the weights, which is what dbgen's read_dist() stores as each member's weight. */
  readonly cumulative: readonly number[];
  readonly total: number;
  /** lookup[j] = first member whose running weight is ≥ j, for every draw j in 1..total. */
  readonly lookup: Uint8Array;
}

type Entry = readonly [member: string, weight: number];

function distribution(entries: readonly Entry[]): Distribution {
  const members: string[] = [];
  const cumulative: number[] = [];
  let total = 0;
  for (const [member, weight] of entries) {
    total += weight;
    members.push(member);
    cumulative.push(total);
  }
  // The lookup table only makes sense for true distributions (nations abuses weights; see below).
  const lookup = new Uint8Array(Math.max(total + 1, 1));
  let m = 0;
  for (let j = 1; j <= total; j++) {
    while ((cumulative[m] as number) < j) m++;
    lookup[j] = m;
  }
  return { members, cumulative, total, lookup };
}

const uniform = (members: readonly string[]): Distribution => distribution(members.map((m) => [m, 1]));

/** Every combination, first list varying slowest: the order dists.dss lists them in. */
const combine = (...parts: readonly (readonly string[])[]): string[] =>
  parts.reduce<string[]>(
    (acc, words) => acc.flatMap((prefix) => words.map((w) => (prefix ? `${prefix} ${w}` : w))),
    [''],
  );

/** p_types: 6 sizes × 5 finishes × 5 metals = 150 types, all of weight 1. */
export const P_TYPES = uniform(
  combine(
    ['STANDARD', 'SMALL', 'MEDIUM', 'LARGE', 'ECONOMY', 'PROMO'],
    ['ANODIZED', 'BURNISHED', 'PLATED', 'POLISHED', 'BRUSHED'],
    ['TIN', 'NICKEL', 'BRASS', 'STEEL', 'COPPER'],
  ),
);

/** p_cntr: 5 sizes × 8 kinds = 40 containers. */
export const P_CONTAINERS = uniform(
  combine(['SM', 'LG', 'MED', 'JUMBO', 'WRAP'], ['CASE', 'BOX', 'BAG', 'JAR', 'PACK', 'PKG', 'CAN', 'DRUM']),
);

/** colors: part names are five distinct colours (dbgen shuffles this list for every part). */
export const COLORS = uniform([
  'almond',
  'antique',
  'aquamarine',
  'azure',
  'beige',
  'bisque',
  'black',
  'blanched',
  'blue',
  'blush',
  'brown',
  'burlywood',
  'burnished',
  'chartreuse',
  'chiffon',
  'chocolate',
  'coral',
  'cornflower',
  'cornsilk',
  'cream',
  'cyan',
  'dark',
  'deep',
  'dim',
  'dodger',
  'drab',
  'firebrick',
  'floral',
  'forest',
  'frosted',
  'gainsboro',
  'ghost',
  'goldenrod',
  'green',
  'grey',
  'honeydew',
  'hot',
  'indian',
  'ivory',
  'khaki',
  'lace',
  'lavender',
  'lawn',
  'lemon',
  'light',
  'lime',
  'linen',
  'magenta',
  'maroon',
  'medium',
  'metallic',
  'midnight',
  'mint',
  'misty',
  'moccasin',
  'navajo',
  'navy',
  'olive',
  'orange',
  'orchid',
  'pale',
  'papaya',
  'peach',
  'peru',
  'pink',
  'plum',
  'powder',
  'puff',
  'purple',
  'red',
  'rose',
  'rosy',
  'royal',
  'saddle',
  'salmon',
  'sandy',
  'seashell',
  'sienna',
  'sky',
  'slate',
  'smoke',
  'snow',
  'spring',
  'steel',
  'tan',
  'thistle',
  'tomato',
  'turquoise',
  'violet',
  'wheat',
  'white',
  'yellow',
]);

export const SHIP_INSTRUCTIONS = uniform(['DELIVER IN PERSON', 'COLLECT COD', 'TAKE BACK RETURN', 'NONE']);
export const SHIP_MODES = uniform(['REG AIR', 'AIR', 'RAIL', 'TRUCK', 'MAIL', 'FOB', 'SHIP']);
export const MARKET_SEGMENTS = uniform(['AUTOMOBILE', 'BUILDING', 'FURNITURE', 'HOUSEHOLD', 'MACHINERY']);
export const ORDER_PRIORITIES = uniform(['1-URGENT', '2-HIGH', '3-MEDIUM', '4-NOT SPECIFIED', '5-LOW']);
export const RETURN_FLAGS = uniform(['R', 'A']);
export const REGIONS = uniform(['AFRICA', 'AMERICA', 'ASIA', 'EUROPE', 'MIDDLE EAST']);

/**
 * nations: the "weights" are not a distribution but increments whose running sum is each nation's
 * region key (dbgen reads them like any distribution and uses the running sum as n_regionkey).
 */
export const NATIONS = distribution([
  ['ALGERIA', 0],
  ['ARGENTINA', 1],
  ['BRAZIL', 0],
  ['CANADA', 0],
  ['EGYPT', 3],
  ['ETHIOPIA', -4],
  ['FRANCE', 3],
  ['GERMANY', 0],
  ['INDIA', -1],
  ['INDONESIA', 0],
  ['IRAN', 2],
  ['IRAQ', 0],
  ['JAPAN', -2],
  ['JORDAN', 2],
  ['KENYA', -4],
  ['MOROCCO', 0],
  ['MOZAMBIQUE', 0],
  ['PERU', 1],
  ['CHINA', 1],
  ['ROMANIA', 1],
  ['SAUDI ARABIA', 1],
  ['VIETNAM', -2],
  ['RUSSIA', 1],
  ['UNITED KINGDOM', 0],
  ['UNITED STATES', -2],
]);

// ---------------------------------------------------------------------------------------------------
// The pseudo-text grammar used to build the comment text pool.

export const NOUNS = distribution([
  ['packages', 40],
  ['requests', 40],
  ['accounts', 40],
  ['deposits', 40],
  ['foxes', 20],
  ['ideas', 20],
  ['theodolites', 20],
  ['pinto beans', 20],
  ['instructions', 20],
  ['dependencies', 10],
  ['excuses', 10],
  ['platelets', 10],
  ['asymptotes', 10],
  ['courts', 5],
  ['dolphins', 5],
  ['multipliers', 1],
  ['sauternes', 1],
  ['warthogs', 1],
  ['frets', 1],
  ['dinos', 1],
  ['attainments', 1],
  ['somas', 1],
  ['Tiresias', 1],
  ['patterns', 1],
  ['forges', 1],
  ['braids', 1],
  ['frays', 1],
  ['warhorses', 1],
  ['dugouts', 1],
  ['notornis', 1],
  ['epitaphs', 1],
  ['pearls', 1],
  ['tithes', 1],
  ['waters', 1],
  ['orbits', 1],
  ['gifts', 1],
  ['sheaves', 1],
  ['depths', 1],
  ['sentiments', 1],
  ['decoys', 1],
  ['realms', 1],
  ['pains', 1],
  ['grouches', 1],
  ['escapades', 1],
  ['hockey players', 1],
]);

export const VERBS = distribution([
  ['sleep', 20],
  ['wake', 20],
  ['are', 20],
  ['cajole', 20],
  ['haggle', 20],
  ['nag', 10],
  ['use', 10],
  ['boost', 10],
  ['affix', 5],
  ['detect', 5],
  ['integrate', 5],
  ['maintain', 1],
  ['nod', 1],
  ['was', 1],
  ['lose', 1],
  ['sublate', 1],
  ['solve', 1],
  ['thrash', 1],
  ['promise', 1],
  ['engage', 1],
  ['hinder', 1],
  ['print', 1],
  ['x-ray', 1],
  ['breach', 1],
  ['eat', 1],
  ['grow', 1],
  ['impress', 1],
  ['mold', 1],
  ['poach', 1],
  ['serve', 1],
  ['run', 1],
  ['dazzle', 1],
  ['snooze', 1],
  ['doze', 1],
  ['unwind', 1],
  ['kindle', 1],
  ['play', 1],
  ['hang', 1],
  ['believe', 1],
  ['doubt', 1],
]);

export const ADVERBS = distribution([
  ['sometimes', 1],
  ['always', 1],
  ['never', 1],
  ['furiously', 50],
  ['slyly', 50],
  ['carefully', 50],
  ['blithely', 40],
  ['quickly', 30],
  ['fluffily', 20],
  ['slowly', 1],
  ['quietly', 1],
  ['ruthlessly', 1],
  ['thinly', 1],
  ['closely', 1],
  ['doggedly', 1],
  ['daringly', 1],
  ['bravely', 1],
  ['stealthily', 1],
  ['permanently', 1],
  ['enticingly', 1],
  ['idly', 1],
  ['busily', 1],
  ['regularly', 1],
  ['finally', 1],
  ['ironically', 1],
  ['evenly', 1],
  ['boldly', 1],
  ['silently', 1],
]);

export const ARTICLES = distribution([
  ['the', 50],
  ['a', 20],
  ['an', 5],
]);

export const PREPOSITIONS = distribution([
  ['about', 50],
  ['above', 50],
  ['according to', 50],
  ['across', 50],
  ['after', 50],
  ['against', 40],
  ['along', 40],
  ['alongside of', 30],
  ['among', 30],
  ['around', 20],
  ['at', 10],
  ['atop', 1],
  ['before', 1],
  ['behind', 1],
  ['beneath', 1],
  ['beside', 1],
  ['besides', 1],
  ['between', 1],
  ['beyond', 1],
  ['by', 1],
  ['despite', 1],
  ['during', 1],
  ['except', 1],
  ['for', 1],
  ['from', 1],
  ['in place of', 1],
  ['inside', 1],
  ['instead of', 1],
  ['into', 1],
  ['near', 1],
  ['of', 1],
  ['on', 1],
  ['outside', 1],
  ['over', 1],
  ['past', 1],
  ['since', 1],
  ['through', 1],
  ['throughout', 1],
  ['to', 1],
  ['toward', 1],
  ['under', 1],
  ['until', 1],
  ['up', 1],
  ['upon', 1],
  ['whithout', 1],
  ['with', 1],
  ['within', 1],
]);

export const AUXILIARIES = uniform([
  'do',
  'may',
  'might',
  'shall',
  'will',
  'would',
  'can',
  'could',
  'should',
  'ought to',
  'must',
  'will have to',
  'shall have to',
  'could have to',
  'should have to',
  'must have to',
  'need to',
  'try to',
]);

export const TERMINATORS = distribution([
  ['.', 50],
  [';', 1],
  [':', 1],
  ['?', 1],
  ['!', 1],
  ['--', 1],
]);

export const ADJECTIVES = distribution([
  ['special', 20],
  ['pending', 20],
  ['unusual', 20],
  ['express', 20],
  ['furious', 1],
  ['sly', 1],
  ['careful', 1],
  ['blithe', 1],
  ['quick', 1],
  ['fluffy', 1],
  ['slow', 1],
  ['quiet', 1],
  ['ruthless', 1],
  ['thin', 1],
  ['close', 1],
  ['dogged', 1],
  ['daring', 1],
  ['brave', 1],
  ['stealthy', 1],
  ['permanent', 1],
  ['enticing', 1],
  ['idle', 1],
  ['busy', 1],
  ['regular', 50],
  ['final', 40],
  ['ironic', 40],
  ['even', 30],
  ['bold', 20],
  ['silent', 10],
]);

/** Sentence forms: N = noun phrase, V = verb phrase, P = prepositional phrase, T = terminator. */
export const GRAMMAR = distribution([
  ['N V T', 3],
  ['N V P T', 3],
  ['N V N T', 3],
  ['N P V N T', 1],
  ['N P V P T', 1],
]);

/** Noun phrase forms: N = noun, A = article, J = adjective, D = adverb; a trailing comma is copied. */
export const NOUN_PHRASES = distribution([
  ['N', 10],
  ['J N', 20],
  ['J, J N', 10],
  ['D J N', 50],
]);

/** Verb phrase forms: V = verb, X = auxiliary, D = adverb. */
export const VERB_PHRASES = distribution([
  ['V', 30],
  ['X V', 1],
  ['V D', 40],
  ['X V D', 1],
]);

/** dbgen's pick_str(): a weighted draw from one stream, returning the member's index. */
export function pickIndex(rng: RandomStreams, d: Distribution, stream: number): number {
  return d.lookup[rng.unifInt(1, d.total, stream)] as number;
}

/** pick_str() returning the member itself. */
export function pickString(rng: RandomStreams, d: Distribution, stream: number): string {
  return d.members[d.lookup[rng.unifInt(1, d.total, stream)] as number] as string;
}
