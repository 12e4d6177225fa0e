// A text classifier exported to ONNX, loaded from a model directory, with the manifest's decision rule
// (out-of-scope rejection below a threshold). Two kinds of directory load through the same `load`/`classify`:
//   - ours (models/<name>/): manifest.json with features "omnicx-hash-v1"; hashed n-gram ids in (`ids`, `mask`),
//     class probabilities out (`probs`);
//   - a Hugging Face transformer export (BERT/RoBERTa family): model.onnx + tokenizer.json (+ config.json with
//     id2label and/or our manifest.json); token ids in (`input_ids`, `attention_mask`, `token_type_ids`, as the session
//     declares them), `logits` out, softmax here.
// onnxruntime-node runs synchronously on the calling thread, so this belongs in an inference worker, never on the
// I/O thread.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { bagFeeds, bagInputForm, type BagInputForm } from './features/bag-feeds.js';
import { textToIds, type HashingSpec } from './features/hashed-ngrams.js';
import { negationIds, type NegationSpec } from './features/negation-scope.js';
import { tokenizerFromJson, type TextTokenizer, type TokenizerJson } from './tokenizers/index.js';
import { LEXICON_COLUMNS, lexiconFeatures, parseLexiconSpec, type LexiconSpec } from './lexicon/index.js';

/**
 * A hashed-features model's spec; `negation` (omnicx-neg-v1): its rows also carry the negation-scope ids;
 * `lexicon`: the graph also takes each text's VADER scores as a dense input (src/inference/lexicon).
 */
export type HashedFeatures = HashingSpec & { name: string; negation?: NegationSpec; lexicon?: LexiconSpec };

/** The ids a hashed model with negation ids takes: 1 + buckets of omnicx-hash-v1, + the negation buckets. */
export function hashedIdLimit(features: HashedFeatures): number {
  return 1 + features.wordBuckets + features.charBuckets + (features.negation?.buckets ?? 0);
}

/**
 * `rows` (omnicx-hash-v1 ids of `texts`) with each text's negation-scope ids appended, when the spec has them;
 * otherwise `rows` itself.
 */
export function withNegationIds(features: HashedFeatures, texts: readonly string[], rows: number[][]): number[][] {
  const negation = features.negation;
  if (negation === undefined) return rows;
  const firstId = 1 + features.wordBuckets + features.charBuckets;
  return rows.map((row, i) => {
    const extra = negationIds(texts[i] as string, negation, firstId);
    return extra.length === 0 ? row : [...row, ...extra];
  });
}

/** The features of a transformer directory: its tokenizer.json, described (filled in by the loader). */
export interface TransformerFeatures {
  name: 'hf-tokenizer';
  /** The tokenizer model type, e.g. "WordPiece". */
  tokenizer: string;
  /** Longest input in tokens, special tokens included; longer texts are truncated. */
  maxLength: number;
}

export interface ClassifierManifest {
  name: string;
  labels: string[];
  outOfScopeLabel?: string;
  decision?: { rejectThreshold?: number };
  features: HashedFeatures | TransformerFeatures;
}

export interface Classification {
  label: string;
  confidence: number;
  /** True when the top class was rejected as out of scope (below the manifest's threshold). */
  outOfScope: boolean;
  /** Labels by descending probability. */
  ranking: Array<{ label: string; probability: number }>;
}

/** The raw scores of one text: class probabilities in label order, and the logits when the model outputs them. */
export interface Scores {
  probabilities: number[];
  logits: number[] | null;
}

/** config.json as transformers writes it (the fields read here). */
interface HfConfig {
  _name_or_path?: string;
  model_type?: string;
  id2label?: Record<string, string>;
  max_position_embeddings?: number;
  pad_token_id?: number;
}

/** The model inputs a transformer export may declare, and how each is filled. */
const TRANSFORMER_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids', 'position_ids'] as const;
type TransformerInput = (typeof TRANSFORMER_INPUTS)[number];

interface Transformer {
  tokenizer: TextTokenizer;
  inputs: Array<{ name: TransformerInput; type: 'int64' | 'int32' | 'float32' }>;
  output: string;
}

/** A batch's model output, row-major [batch, labels]. */
export interface RawScores {
  probs?: Float32Array;
  logits?: Float32Array;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;

export class OnnxTextClassifier {
  private constructor(
    readonly manifest: ClassifierManifest,
    private readonly session: ort.InferenceSession,
    private readonly transformer: Transformer | null,
  ) {
    this.bagForm = bagInputForm(session);
  }

  /** How the hashed-feature graph takes its ids (unused for a transformer). */
  private readonly bagForm: BagInputForm;

  /** The tokenizer of a transformer model (null for hashed-feature models). */
  get tokenizer(): TextTokenizer | null {
    return this.transformer?.tokenizer ?? null;
  }

  static async load(dir: string, options: { intraOpNumThreads?: number } = {}): Promise<OnnxTextClassifier> {
    const manifestFile = path.join(dir, 'manifest.json');
    const manifest = existsSync(manifestFile) ? readJson<Partial<ClassifierManifest>>(manifestFile) : null;
    const hashed = manifest?.features?.name === 'omnicx-hash-v1';
    const tokenizerFile = path.join(dir, 'tokenizer.json');
    if (!hashed && !existsSync(tokenizerFile)) {
      throw new Error(
        `${dir}: unsupported feature spec ${String(manifest?.features?.name)} (expected omnicx-hash-v1, ` +
          'or a Hugging Face export with tokenizer.json)',
      );
    }
    const session = await ort.InferenceSession.create(path.join(dir, 'model.onnx'), {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
    });
    try {
      if (hashed) {
        const lexicon = parseLexiconSpec((manifest.features as HashedFeatures).lexicon, dir);
        if (lexicon !== undefined && !session.inputNames.includes(lexicon.input)) {
          throw new Error(`${dir}: the manifest declares the lexicon input ${lexicon.input}, the model has none`);
        }
        return new OnnxTextClassifier(manifest as ClassifierManifest, session, null);
      }
      return OnnxTextClassifier.loadTransformer(dir, manifest, session);
    } catch (error) {
      await session.release();
      throw error;
    }
  }

  private static loadTransformer(
    dir: string,
    manifest: Partial<ClassifierManifest> | null,
    session: ort.InferenceSession,
  ): OnnxTextClassifier {
    const configFile = path.join(dir, 'config.json');
    const config = existsSync(configFile) ? readJson<HfConfig>(configFile) : {};
    const tokenizerConfigFile = path.join(dir, 'tokenizer_config.json');
    const tokenizerConfig = existsSync(tokenizerConfigFile)
      ? readJson<{ model_max_length?: number }>(tokenizerConfigFile)
      : {};

    // Max length when tokenizer.json has no truncation: tokenizer_config's model_max_length (transformers writes
    // 1e30 for "unset"), else 512; never more than the model's position table (RoBERTa-style models offset their
    // positions by pad_token_id + 1, so two of their max_position_embeddings are unusable).
    let maxLength = 512;
    const modelMax = tokenizerConfig.model_max_length;
    if (typeof modelMax === 'number' && modelMax > 0 && modelMax < 1e6) maxLength = modelMax;
    if (typeof config.max_position_embeddings === 'number') {
      const offset = ['roberta', 'xlm-roberta', 'camembert'].includes(config.model_type ?? '') ? 2 : 0;
      maxLength = Math.min(maxLength, config.max_position_embeddings - offset);
    }
    const tokenizer = tokenizerFromJson(readJson<TokenizerJson>(path.join(dir, 'tokenizer.json')), { maxLength });

    const labels = manifest?.labels ?? labelsFromConfig(dir, config);
    if (manifest?.labels && config.id2label && Object.keys(config.id2label).length !== manifest.labels.length) {
      throw new Error(
        `${dir}: manifest.json has ${manifest.labels.length} labels, config.json id2label has ` +
          `${Object.keys(config.id2label).length}`,
      );
    }

    const inputs = session.inputMetadata.map((meta) => {
      if (!(TRANSFORMER_INPUTS as readonly string[]).includes(meta.name)) {
        throw new Error(
          `${dir}: model input ${meta.name} is not one the loader feeds (${TRANSFORMER_INPUTS.join(', ')})`,
        );
      }
      const type = meta.isTensor ? meta.type : 'int64';
      if (type !== 'int64' && type !== 'int32' && type !== 'float32') {
        throw new Error(`${dir}: model input ${meta.name} has type ${type} (expected int64, int32 or float32)`);
      }
      return { name: meta.name as TransformerInput, type };
    });
    if (!inputs.some((i) => i.name === 'input_ids')) throw new Error(`${dir}: the model has no input_ids input`);
    const output = session.outputNames.includes('logits') ? 'logits' : session.outputNames[0];
    if (output === undefined) throw new Error(`${dir}: the model has no output`);

    const full: ClassifierManifest = {
      name: manifest?.name ?? path.basename(path.resolve(dir)),
      labels,
      ...(manifest?.outOfScopeLabel !== undefined && { outOfScopeLabel: manifest.outOfScopeLabel }),
      ...(manifest?.decision !== undefined && { decision: manifest.decision }),
      features: { name: 'hf-tokenizer', tokenizer: tokenizer.modelType, maxLength: tokenizer.maxLength },
    };
    return new OnnxTextClassifier(full, session, { tokenizer, inputs, output });
  }

  /** The hashing spec when this is a hashed-features model (callers hashing once for several models compare it). */
  get hashingSpec(): HashedFeatures | undefined {
    return this.transformer === null ? (this.manifest.features as HashedFeatures) : undefined;
  }

  /**
   * Runs the batch in one session run: probabilities (and logits) per text, in label order. `ids`: the texts
   * already hashed with this model's spec (a message is hashed once for all the models that share it).
   */
  async scores(texts: string[], ids?: number[][]): Promise<Scores[]> {
    if (texts.length === 0) return [];
    const numLabels = this.manifest.labels.length;
    const output = await this.raw(texts, ids);
    return texts.map((_, r) => {
      const logits = output.logits ? Array.from(output.logits.subarray(r * numLabels, (r + 1) * numLabels)) : null;
      const probabilities = output.probs
        ? Array.from(output.probs.subarray(r * numLabels, (r + 1) * numLabels))
        : softmax(logits as number[]);
      return { probabilities, logits };
    });
  }

  /** One session run; the output's size checked against the labels. */
  private async raw(texts: string[], ids?: number[][]): Promise<RawScores> {
    const numLabels = this.manifest.labels.length;
    const output = this.transformer
      ? await this.runTransformer(this.transformer, texts)
      : await this.runHashed(texts, ids);
    for (const data of [output.probs, output.logits]) {
      if (data && data.length !== texts.length * numLabels) {
        throw new Error(
          `${this.manifest.name}: the model gives ${data.length / texts.length} scores per text, ` +
            `the labels are ${numLabels}`,
        );
      }
    }
    return output;
  }

  /**
   * Classifies the batch in one session run, applying the manifest's out-of-scope rule. `top`: how many labels the
   * ranking keeps (default all); the analysis keeps 5, and selecting them costs less than sorting every label.
   */
  async classify(texts: string[], ids?: number[][], options: { top?: number } = {}): Promise<Classification[]> {
    if (texts.length === 0) return [];
    return this.classifyOutput(await this.raw(texts, ids), texts.length, options);
  }

  /** Whether this is a packed hashed-feature graph (ids + offsets), which BagBundle can merge with others. */
  get packedBag(): boolean {
    return this.transformer === null && this.bagForm === 'packed';
  }

  /**
   * Classifications from this model's outputs computed elsewhere (a BagBundle run): `probs` and/or `logits`,
   * [count, labels] row-major.
   */
  classifyOutput(output: RawScores, count: number, options: { top?: number } = {}): Classification[] {
    const labels = this.manifest.labels;
    const numLabels = labels.length;
    const top = Math.max(1, Math.min(numLabels, options.top ?? numLabels));
    const threshold = this.manifest.decision?.rejectThreshold;
    const oos = this.manifest.outOfScopeLabel;
    for (const data of [output.probs, output.logits]) {
      if (data && data.length !== count * numLabels) {
        throw new Error(`${this.manifest.name}: ${data.length} scores for ${count} texts of ${numLabels} labels`);
      }
    }
    return Array.from({ length: count }, (_, r) => {
      const row = output.probs
        ? output.probs.subarray(r * numLabels, (r + 1) * numLabels)
        : softmax(Array.from((output.logits as Float32Array).subarray(r * numLabels, (r + 1) * numLabels)));
      const ranking = topLabels(row, labels, top);
      const best = ranking[0] as { label: string; probability: number };
      const rejected =
        oos !== undefined && best.label !== oos && threshold !== undefined && best.probability < threshold;
      return {
        label: rejected ? oos : best.label,
        confidence: best.probability,
        outOfScope: rejected || best.label === oos,
        ranking,
      };
    });
  }

  /** Hashes each text (unless given its ids) and feeds the graph in the form it declares (packed or padded). */
  private async runHashed(texts: string[], hashed?: number[][]): Promise<RawScores> {
    const features = this.manifest.features as HashedFeatures;
    const rows = withNegationIds(features, texts, hashed ?? texts.map((text) => textToIds(text, features)));
    const feeds = bagFeeds(this.bagForm, rows, {
      // The negation ids follow at most maxLen shared ids.
      maxLen: features.maxLen + (features.negation?.maxIds ?? 0),
      numIds: hashedIdLimit(features),
    });
    if (features.lexicon !== undefined) {
      const shape = [texts.length, LEXICON_COLUMNS.length];
      feeds[features.lexicon.input] = new ort.Tensor('float32', lexiconFeatures(texts), shape);
    }
    const output = await this.session.run(feeds);
    return { probs: output.probs?.data as Float32Array, logits: output.logits?.data as Float32Array | undefined };
  }

  /** Tokenizes each text; pads to the longest row with the pad id, attention_mask 1/0, token types from the
   * tokenizer (0 for one sentence), positions 0..n-1 where the model asks for them. */
  private async runTransformer(model: Transformer, texts: string[]): Promise<RawScores> {
    const rows = texts.map((text) => model.tokenizer.encode(text));
    const width = Math.max(1, ...rows.map((r) => r.ids.length));
    const size = rows.length * width;
    const values: Record<TransformerInput, number[]> = {
      input_ids: new Array<number>(size).fill(model.tokenizer.padId),
      attention_mask: new Array<number>(size).fill(0),
      token_type_ids: new Array<number>(size).fill(0),
      position_ids: new Array<number>(size).fill(0),
    };
    rows.forEach((row, r) =>
      row.ids.forEach((id, j) => {
        const at = r * width + j;
        values.input_ids[at] = id;
        values.attention_mask[at] = 1;
        values.token_type_ids[at] = row.typeIds[j] ?? 0;
        values.position_ids[at] = j;
      }),
    );
    const feeds: Record<string, ort.Tensor> = {};
    for (const { name, type } of model.inputs) {
      const data =
        type === 'int64'
          ? BigInt64Array.from(values[name], (v) => BigInt(v))
          : type === 'int32'
            ? Int32Array.from(values[name])
            : Float32Array.from(values[name]);
      feeds[name] = new ort.Tensor(type, data, [rows.length, width]);
    }
    const output = await this.session.run(feeds);
    const logits = output[model.output];
    if (!logits || !(logits.data instanceof Float32Array)) {
      throw new Error(`${this.manifest.name}: output ${model.output} is not a float32 tensor`);
    }
    return { logits: logits.data };
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

/** transformers' id2label ({"0": "a", "1": "b"}) as a list; the keys must be 0..n-1. */
function labelsFromConfig(dir: string, config: HfConfig): string[] {
  const entries = Object.entries(config.id2label ?? {});
  if (entries.length === 0) throw new Error(`${dir}: no labels (manifest.json labels or config.json id2label)`);
  const labels: string[] = [];
  for (const [key, label] of entries) {
    const index = Number(key);
    if (!Number.isInteger(index) || index < 0 || index >= entries.length) {
      throw new Error(`${dir}: config.json id2label keys must be 0..${entries.length - 1} (got ${key})`);
    }
    labels[index] = label;
  }
  return labels;
}

/** The `k` most probable labels, most probable first (ties: the lower label index first, as a stable sort gives). */
function topLabels(
  row: ArrayLike<number>,
  labels: readonly string[],
  k: number,
): Array<{ label: string; probability: number }> {
  const chosen: number[] = [];
  for (let c = 0; c < row.length; c++) {
    const p = row[c] as number;
    if (chosen.length === k && p <= (row[chosen[k - 1] as number] as number)) continue;
    let at = chosen.length;
    while (at > 0 && (row[chosen[at - 1] as number] as number) < p) at--;
    chosen.splice(at, 0, c);
    if (chosen.length > k) chosen.pop();
  }
  return chosen.map((c) => ({ label: labels[c] as string, probability: row[c] as number }));
}

/** Softmax in double precision (max subtracted), as torch.softmax gives it. */
export function softmax(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((x) => Math.exp(x - max));
  const sum = exps.reduce((s, x) => s + x, 0);
  return exps.map((x) => x / sum);
}
