// Worker thread of the ensemble trainer: receives the training set once (workerData), then trains one member per
// 'train' job and sends its parameters back (transferred, not copied).
import { parentPort, workerData } from 'node:worker_threads';
import type { WorkerJob, WorkerReply } from './ensemble-trainer.js';
import { trainHashbag, type TrainingSet } from './trainer.js';

const data = workerData as TrainingSet;
const port = parentPort;
if (port === null) throw new Error('training-worker.ts must run in a worker thread');

port.on('message', (job: WorkerJob) => {
  if (job.t === 'exit') {
    port.close();
    return;
  }
  try {
    const model = trainHashbag(data, job.options, (progress) =>
      port.postMessage({ t: 'progress', member: job.member, progress } satisfies WorkerReply),
    );
    const { E, c, W, b } = model;
    const reply: WorkerReply = { t: 'done', member: job.member, ...model.shape(), E, c, W, b };
    port.postMessage(reply, [
      E.buffer as ArrayBuffer,
      c.buffer as ArrayBuffer,
      W.buffer as ArrayBuffer,
      b.buffer as ArrayBuffer,
    ]);
  } catch (err) {
    port.postMessage({ t: 'error', member: job.member, message: String(err) } satisfies WorkerReply);
  }
});
