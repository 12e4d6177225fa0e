// Lexical retrieval baselines for eval:retrieval: Okapi BM25 (k1 = 1.2, b = 0.75, Lucene's idf) and TF-IDF cosine
// (sublinear tf, smoothed idf, L2-normalized), both over an inverted index built from the corpus alone, with one
// simple tokenizer: NFKC, lower case, apostrophes dropped, maximal runs of letters/digits (numbers kept as they are).

export function tokenize(text: string): string[] {
  return (
    text
      .normalize('NFKC')
      .toLowerCase()
      .replace(/['\u2019]/g, '')
      .match(/[\p{L}\p{N}\p{M}]+/gu) ?? []
  );
}

function termCounts(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const t of tokenize(text)) counts.set(t, (counts.get(t) ?? 0) + 1);
  return counts;
}

interface Posting {
  doc: number;
  weight: number;
}

/** Scores every document of the corpus for a query; higher is better. */
export interface LexicalIndex {
  readonly size: number;
  scores(query: string): Float64Array;
}

export class Bm25Index implements LexicalIndex {
  private readonly postings = new Map<string, Posting[]>();
  private readonly idf = new Map<string, number>();
  readonly size: number;

  constructor(docs: string[], k1 = 1.2, b = 0.75) {
    this.size = docs.length;
    const counted = docs.map(termCounts);
    const lengths = counted.map((c) => [...c.values()].reduce((s, n) => s + n, 0));
    const avg = lengths.reduce((s, n) => s + n, 0) / Math.max(1, docs.length);
    counted.forEach((counts, doc) => {
      const norm = k1 * (1 - b + (b * (lengths[doc] as number)) / Math.max(avg, 1e-9));
      for (const [term, tf] of counts) {
        const list = this.postings.get(term) ?? (this.postings.set(term, []), this.postings.get(term)!);
        list.push({ doc, weight: (tf * (k1 + 1)) / (tf + norm) });
      }
    });
    for (const [term, list] of this.postings) {
      const n = list.length;
      this.idf.set(term, Math.log(1 + (this.size - n + 0.5) / (n + 0.5)));
    }
  }

  scores(query: string): Float64Array {
    const out = new Float64Array(this.size);
    for (const term of new Set(tokenize(query))) {
      const list = this.postings.get(term);
      if (list === undefined) continue;
      const idf = this.idf.get(term) as number;
      for (const p of list) out[p.doc] = (out[p.doc] as number) + idf * p.weight;
    }
    return out;
  }
}

export class TfidfIndex implements LexicalIndex {
  private readonly postings = new Map<string, Posting[]>();
  private readonly idf = new Map<string, number>();
  readonly size: number;

  constructor(docs: string[]) {
    this.size = docs.length;
    const counted = docs.map(termCounts);
    const df = new Map<string, number>();
    for (const counts of counted) for (const term of counts.keys()) df.set(term, (df.get(term) ?? 0) + 1);
    for (const [term, n] of df) this.idf.set(term, Math.log((1 + this.size) / (1 + n)) + 1);
    counted.forEach((counts, doc) => {
      const weights = [...counts].map(
        ([term, tf]) => [term, (1 + Math.log(tf)) * (this.idf.get(term) as number)] as const,
      );
      const norm = Math.sqrt(weights.reduce((s, [, w]) => s + w * w, 0)) || 1;
      for (const [term, w] of weights) {
        const list = this.postings.get(term) ?? (this.postings.set(term, []), this.postings.get(term)!);
        list.push({ doc, weight: w / norm });
      }
    });
  }

  /** Cosine between the query's TF-IDF vector (terms unknown to the corpus ignored) and every document. */
  scores(query: string): Float64Array {
    const out = new Float64Array(this.size);
    const weights = [...termCounts(query)]
      .filter(([term]) => this.idf.has(term))
      .map(([term, tf]) => [term, (1 + Math.log(tf)) * (this.idf.get(term) as number)] as const);
    const norm = Math.sqrt(weights.reduce((s, [, w]) => s + w * w, 0)) || 1;
    for (const [term, w] of weights) {
      for (const p of this.postings.get(term) as Posting[]) out[p.doc] = (out[p.doc] as number) + (w / norm) * p.weight;
    }
    return out;
  }
}
