// One ONNX session for all the packed hashed-feature models of an analysis (intent, sentiment, encoder): their
// graphs merged side by side into one, so a batch costs one session run instead of three. Each run of
// onnxruntime-node costs about 90 µs of binding and executor overhead whatever the graph (measured with a 2-id
// input), which a small batch pays for every model: merged, a single message's analysis is ~0.3 ms cheaper.
// The graphs are merged at load time from the committed model files (onnx-proto decodes and re-encodes them), so a
// model replaced on its own (e.g. a retrained intent model) is picked up as before.
import { onnx } from 'onnx-proto';
import * as ort from 'onnxruntime-node';
import { bagFeeds } from './bag-feeds.js';
import { LEXICON_COLUMNS, LEXICON_INPUT } from '../lexicon/index.js';

/**
 * A model of the bundle: its file's bytes, and which rows it reads: every row, only the leading messages, or the
 * messages with their negation-scope ids appended (the sentiment model: omnicx-neg-v1).
 */
export interface BagBundlePart {
  name: string;
  bytes: Uint8Array;
  rows: 'all' | 'messages' | 'negated';
}

const INPUTS = {
  all: ['ids', 'offsets'],
  messages: ['m_ids', 'm_offsets'],
  negated: ['n_ids', 'n_offsets'],
} as const;

/**
 * The merged model, or undefined when a part cannot be merged (not a packed bag graph: inputs other than
 * ids + offsets, subgraphs, or a custom operator domain).
 */
export function mergeBagGraphs(parts: readonly BagBundlePart[]): Uint8Array | undefined {
  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  const valueInfo: onnx.IValueInfoProto[] = [];
  const outputs: onnx.IValueInfoProto[] = [];
  const inputs = new Map<string, onnx.IValueInfoProto>();
  let opset = 0;
  let irVersion = 0;
  for (const part of parts) {
    const model = onnx.ModelProto.decode(part.bytes);
    const graph = model.graph;
    if (!graph) return undefined;
    const names = (graph.input ?? []).map((i) => i.name);
    // ids + offsets, and for a per-message part the dense lexicon input (one row per message, shared by name).
    const extra = names.filter((n) => n !== 'ids' && n !== 'offsets');
    if (!names.includes('ids') || !names.includes('offsets')) return undefined;
    if (extra.some((n) => n !== LEXICON_INPUT) || (extra.length > 0 && part.rows === 'all')) return undefined;
    for (const o of model.opsetImport ?? []) {
      if (o.domain !== '' && o.domain !== 'ai.onnx' && o.domain != null) return undefined;
      opset = Math.max(opset, Number(o.version));
    }
    irVersion = Math.max(irVersion, Number(model.irVersion));
    const [ids, offsets] = INPUTS[part.rows];
    const rename = (name: string) =>
      name === '' || name === LEXICON_INPUT
        ? name
        : name === 'ids'
          ? ids
          : name === 'offsets'
            ? offsets
            : `${part.name}/${name}`;
    for (const input of graph.input ?? []) {
      const renamed = rename(input.name ?? '');
      if (!inputs.has(renamed)) inputs.set(renamed, { ...input, name: renamed });
    }
    for (const node of graph.node ?? []) {
      if ((node.attribute ?? []).some((a) => a.g != null || (a.graphs ?? []).length > 0)) return undefined;
      if (node.domain) return undefined;
      nodes.push({
        ...node,
        name: node.name ? `${part.name}/${node.name}` : '',
        input: (node.input ?? []).map(rename),
        output: (node.output ?? []).map(rename),
      });
    }
    for (const tensor of graph.initializer ?? []) initializers.push({ ...tensor, name: rename(tensor.name ?? '') });
    for (const info of graph.valueInfo ?? []) valueInfo.push({ ...info, name: rename(info.name ?? '') });
    for (const output of graph.output ?? []) outputs.push({ ...output, name: rename(output.name ?? '') });
  }
  const merged = onnx.ModelProto.create({
    irVersion,
    producerName: 'omnicx-bag-bundle',
    opsetImport: [{ domain: '', version: opset }],
    graph: {
      name: 'omnicx_analysis_bundle',
      node: nodes,
      initializer: initializers,
      input: [...inputs.values()],
      output: outputs,
      valueInfo,
    },
  });
  return onnx.ModelProto.encode(merged).finish();
}

/** The outputs of one bundle run: per part, its outputs by name ([rows, width] row-major). */
export type BundleOutputs = Record<string, Record<string, Float32Array>>;

export class BagBundle {
  private constructor(
    private readonly session: ort.InferenceSession,
    private readonly parts: readonly BagBundlePart[],
  ) {}

  static async create(
    parts: readonly BagBundlePart[],
    options: { intraOpNumThreads?: number } = {},
  ): Promise<BagBundle | undefined> {
    const merged = mergeBagGraphs(parts);
    if (merged === undefined) return undefined;
    const session = await ort.InferenceSession.create(merged, {
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
    });
    return new BagBundle(session, parts);
  }

  /**
   * One session run: `rows` are every text's feature ids, the first `messages` of them whole messages (the parts
   * that read 'messages' see only those), the rest extra rows for the 'all' parts (e.g. clauses for intent).
   */
  async run(
    rows: readonly (readonly number[])[],
    messages: number,
    limits: { maxLen: number; numIds: number },
    negated?: { rows: readonly (readonly number[])[]; maxLen: number; numIds: number },
    lexicon?: Float32Array,
  ): Promise<BundleOutputs> {
    const all = bagFeeds('packed', rows, limits);
    const feeds: Record<string, ort.Tensor> = { ids: all.ids as ort.Tensor, offsets: all.offsets as ort.Tensor };
    if (this.parts.some((p) => p.rows === 'negated')) {
      if (negated === undefined || negated.rows.length !== messages)
        throw new Error('bag bundle: a negated part needs every message row with its negation ids');
      const n = bagFeeds('packed', negated.rows, negated);
      feeds.n_ids = n.ids as ort.Tensor;
      feeds.n_offsets = n.offsets as ort.Tensor;
    }
    if (this.parts.some((p) => p.rows === 'messages')) {
      // The messages are the leading rows: their ids and offsets are prefixes of the full ones (views, no copy).
      const ids = all.ids?.data as Int32Array;
      const offsets = all.offsets?.data as Int32Array;
      const end = messages < rows.length ? (offsets[messages] as number) : ids.length;
      feeds.m_ids = new ort.Tensor('int32', ids.subarray(0, end), [end]);
      feeds.m_offsets = new ort.Tensor('int32', offsets.subarray(0, messages), [messages]);
    }
    if (this.session.inputNames.includes(LEXICON_INPUT)) {
      const width = LEXICON_COLUMNS.length;
      if (lexicon === undefined || lexicon.length !== messages * width)
        throw new Error(`bag bundle: a part takes the lexicon input: give every message its ${width} lexicon values`);
      feeds[LEXICON_INPUT] = new ort.Tensor('float32', lexicon, [messages, width]);
    }
    const output = await this.session.run(feeds);
    const result: BundleOutputs = {};
    for (const [name, tensor] of Object.entries(output)) {
      const slash = name.indexOf('/');
      const part = name.slice(0, slash);
      (result[part] ??= {})[name.slice(slash + 1)] = tensor.data as Float32Array;
    }
    return result;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
