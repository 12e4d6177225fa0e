// Worker-thread entry of the inference pool: loads the models once, then analyses batches. onnxruntime-node's run
// is synchronous on this thread, which is exactly why it lives here and not on an I/O thread.
import { parentPort, workerData } from 'node:worker_threads';
import { OmniError } from '../domain/index.js';
import { currentThreadId, EventLoopLag } from '../observability/index.js';
import type { InferenceWorkerData, PoolToWorker, WorkerToPool } from './inference-protocol.js';
import { TextAnalyzer } from './text-analyzer.js';
import { warmUp, warmUpTexts } from './warm-up.js';

const port = parentPort;
if (port === null) throw new Error('inference-worker must run in a worker thread');
const data = workerData as InferenceWorkerData;

void TextAnalyzer.load(
  data.modelsDir,
  data.intraOpNumThreads,
  {
    products: data.products,
    defaultCurrency: data.defaultCurrency,
  },
  data.customIntents,
  { embeddings: data.embeddings, bundle: data.bundle },
).then(async (analyzer) => {
  // Before any live text: a cold thread's first batch takes ≈ 250 ms and the next few hundred texts run 2-5× slower
  // (warm-up.ts says why). A failure is not fatal: live texts get their own typed errors, and the log says why.
  const warmed = await warmUp(analyzer, warmUpTexts(data.modelsDir), data.warmUpTexts).catch((error: unknown) => ({
    texts: 0,
    batches: 0,
    ms: 0,
    error: OmniError.from(error).message,
  }));
  const send = (message: WorkerToPool) => port.postMessage(message);
  // This thread's event-loop delay, reported with each answer (p99 since the previous one) for the pool's metrics:
  // a batch that holds the thread for long shows up here before it shows up as latency.
  const loopLag = new EventLoopLag();
  port.on('message', (message: PoolToWorker) => {
    if (message.t === 'close') {
      // Ending the thread on its own, after the sessions are released, instead of being terminated: a worker
      // terminated while onnxruntime finishes a run aborts the whole process (Napi::Error in a dead environment).
      void analyzer.close().finally(() => port.close());
      return;
    }
    // Batches are not serialised here: with two in flight (the pool's pipelineDepth) the second one's features are
    // hashed while the first waits for its onnxruntime run, and both runs follow in one turn (measured: median +18 %
    // one-worker maximum over 9 pairs; analysing them strictly one after the other lost that). So a batch's `workMs`, counted from its
    // arrival, can include part of the other's.
    const started = performance.now();
    analyzer.analyzeItems(message.items).then(
      (analyses) =>
        send({
          t: 'result',
          id: message.id,
          ok: true,
          analyses,
          loopLagP99Ms: loopLag.takeP99Ms(),
          workMs: performance.now() - started,
        }),
      (error: unknown) =>
        send({
          t: 'result',
          id: message.id,
          ok: false,
          error: OmniError.from(error).toWire(),
          loopLagP99Ms: loopLag.takeP99Ms(),
          workMs: performance.now() - started,
        }),
    );
  });
  const tid = currentThreadId();
  send({ t: 'ready', models: analyzer.models, warmUp: warmed, ...(tid !== undefined && { tid }) });
});
