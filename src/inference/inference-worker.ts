// Worker-thread entry of the inference pool: loads the models once, then analyses batches. onnxruntime-node's run
// is synchronous on this thread, which is exactly why it lives here and not on an I/O thread.
import { parentPort, workerData } from 'node:worker_threads';
import { OmniError } from '../domain/index.js';
import { EventLoopLag } from '../observability/index.js';
import type { InferenceWorkerData, PoolToWorker, WorkerToPool } from './inference-protocol.js';
import { TextAnalyzer } from './text-analyzer.js';

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
).then((analyzer) => {
  const send = (message: WorkerToPool) => port.postMessage(message);
  // This thread's event-loop delay, reported with each answer (p99 since the previous one) for the pool's metrics:
  // a batch that holds the thread for long shows up here before it shows up as latency.
  const loopLag = new EventLoopLag();
  // One batch at a time, in arrival order: the pool may post the next batch before this one is answered (its
  // pipelineDepth), and interleaving them would delay this one's answer by the next one's feature hashing.
  let previous: Promise<void> = Promise.resolve();
  const analyse = async (message: Extract<PoolToWorker, { t: 'batch' }>): Promise<void> => {
    const started = performance.now();
    try {
      const analyses = await analyzer.analyzeItems(message.items);
      const workMs = performance.now() - started;
      send({ t: 'result', id: message.id, ok: true, analyses, loopLagP99Ms: loopLag.takeP99Ms(), workMs });
    } catch (error) {
      const workMs = performance.now() - started;
      const wire = OmniError.from(error).toWire();
      send({ t: 'result', id: message.id, ok: false, error: wire, loopLagP99Ms: loopLag.takeP99Ms(), workMs });
    }
  };
  port.on('message', (message: PoolToWorker) => {
    if (message.t === 'close') {
      // Ending the thread on its own, after the sessions are released, instead of being terminated: a worker
      // terminated while onnxruntime finishes a run aborts the whole process (Napi::Error in a dead environment).
      void previous.then(() => analyzer.close()).finally(() => port.close());
      return;
    }
    previous = previous.then(() => analyse(message));
  });
  send({ t: 'ready', models: analyzer.models });
});
