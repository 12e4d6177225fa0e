// Feature extension `omnicx-neg-v1` (models/features/spec.md section 6): extra ids for the words a negator governs,
// for the sentiment model. A bag of n-grams sees "not happy" as "not" + "happy" + one bigram, and "not disappointed
// at all" teaches it that "disappointed" is positive; with these ids "NOT_happy" and "NOT_disappointed" are features
// of their own. They follow the message's omnicx-hash-v1 ids, in their own id range, so the ids every model shares
// are unchanged (intent and the encoder never see these). It must match models/features/hashing.py bit for bit:
// test/inference/negation-scope.test.ts replays models/features/negation-vectors.json.
import { charClass, fnv1a32Utf8, normalizeForHashing } from './hashed-ngrams.js';

export interface NegationSpec {
  name: string;
  /** Ids `firstId .. firstId + buckets - 1`, where firstId = 1 + wordBuckets + charBuckets. */
  buckets: number;
  /** Word tokens after a negator that are negated. */
  window: number;
  /** At most this many negation ids per message. */
  maxIds: number;
  negators: string[];
  /** Words that end a scope ("not cheap but good"). */
  stops: string[];
  /** Words that count towards the window but are not negated (function words, intensifiers). */
  unmarked: string[];
  /** Separator characters that end a scope (symbol tokens end it too). */
  breaks: string;
}

/** The spec's compiled form: sets instead of arrays (this runs once per message). */
interface CompiledSpec {
  negators: ReadonlySet<string>;
  stops: ReadonlySet<string>;
  unmarked: ReadonlySet<string>;
  breaks: ReadonlySet<string>;
}

const compiled = new WeakMap<NegationSpec, CompiledSpec>();

function compile(spec: NegationSpec): CompiledSpec {
  let c = compiled.get(spec);
  if (c === undefined) {
    c = {
      negators: new Set(spec.negators),
      stops: new Set(spec.stops),
      unmarked: new Set(spec.unmarked),
      breaks: new Set(spec.breaks),
    };
    compiled.set(spec, c);
  }
  return c;
}

/** The word tokens in a negation scope, in order (repeats included). */
export function negatedWords(text: string, spec: NegationSpec): string[] {
  const { negators, stops, unmarked, breaks } = compile(spec);
  const out: string[] = [];
  let scope = 0;
  const word = (token: string) => {
    if (negators.has(token)) scope = spec.window;
    else if (stops.has(token)) scope = 0;
    else if (scope > 0) {
      if (!unmarked.has(token)) out.push(token);
      scope--;
    }
  };
  let current = '';
  for (const ch of normalizeForHashing(text)) {
    const kind = charClass(ch.codePointAt(0) as number);
    if (kind === 'W') {
      current += ch;
      continue;
    }
    if (current !== '') {
      word(current);
      current = '';
    }
    if (kind === 'S' || breaks.has(ch)) scope = 0;
  }
  if (current !== '') word(current);
  return out;
}

/** Distinct ids of "NOT_" + each negated word, first-occurrence order, at most `maxIds`; `firstId` as in the spec. */
export function negationIds(text: string, spec: NegationSpec, firstId: number): number[] {
  const ids: number[] = [];
  const seen = new Set<number>();
  for (const w of negatedWords(text, spec)) {
    const id = firstId + (fnv1a32Utf8(`NOT_${w}`) % spec.buckets);
    if (seen.has(id)) continue;
    seen.add(id);
    ids.push(id);
    if (ids.length >= spec.maxIds) break;
  }
  return ids;
}
