// Trains several hashbag models on the same training set — in parallel on worker threads when asked — and merges
// them into one model whose logits are their mean (HashbagModel.concat: still hashbag-v1, just a wider embedding).
// Each member differs only by its seed. Progress of all members is reported as one run.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { HashbagModel } from './hashbag-model.js';
import { trainHashbag, TRAIN_DEFAULTS, type TrainingSet, type TrainOptions, type TrainProgress } from './trainer.js';

export interface EnsembleOptions {
  /** Number of models (seeds seed, seed+1, …). @default 1 */
  members: number;
  /** Worker threads (1 = train on the calling thread). @default 1 */
  threads: number;
}

/** Messages between the ensemble trainer and training-worker.ts. */
export type WorkerJob = { t: 'train'; member: number; options: Partial<TrainOptions> } | { t: 'exit' };
export type WorkerReply =
  | { t: 'progress'; member: number; progress: TrainProgress }
  | {
      t: 'done';
      member: number;
      numRows: number;
      dim: number;
      numClasses: number;
      E: Float32Array;
      c: Float32Array;
      W: Float32Array;
      b: Float32Array;
    }
  | { t: 'error'; member: number; message: string };

/** Progress over all members: steps and loss summed/averaged over the members that reported. */
function progressAggregator(members: number, onProgress?: (p: TrainProgress) => void) {
  const latest: (TrainProgress | undefined)[] = new Array<TrainProgress | undefined>(members).fill(undefined);
  const t0 = Date.now();
  return (member: number, p: TrainProgress): void => {
    latest[member] = p;
    if (onProgress === undefined) return;
    let step = 0;
    let loss = 0;
    let reporting = 0;
    let epoch = p.epochs;
    for (const q of latest) {
      if (q === undefined) {
        epoch = 0;
        continue;
      }
      step += q.step;
      loss += q.loss;
      reporting++;
      epoch = Math.min(epoch, q.epoch);
    }
    onProgress({
      epoch: Math.max(1, epoch),
      epochs: p.epochs,
      step,
      steps: p.steps * members,
      loss: loss / Math.max(1, reporting),
      elapsedMs: Date.now() - t0,
    });
  };
}

export async function trainEnsemble(
  data: TrainingSet,
  options: Partial<TrainOptions> = {},
  ensemble: Partial<EnsembleOptions> = {},
  onProgress?: (p: TrainProgress) => void,
): Promise<HashbagModel> {
  const members = Math.max(1, ensemble.members ?? 1);
  const threads = Math.max(1, Math.min(ensemble.threads ?? 1, members));
  const seed = options.seed ?? TRAIN_DEFAULTS.seed;
  const report = progressAggregator(members, onProgress);
  const memberOptions = (m: number): Partial<TrainOptions> => ({ ...options, seed: seed + m });
  const models: HashbagModel[] = new Array<HashbagModel>(members);
  if (threads === 1) {
    for (let m = 0; m < members; m++) models[m] = trainHashbag(data, memberOptions(m), (p) => report(m, p));
    return HashbagModel.concat(models);
  }
  const fromSource = __filename.endsWith('.ts');
  let next = 0;
  const runWorker = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const worker = new Worker(path.join(__dirname, fromSource ? 'training-worker.ts' : 'training-worker.js'), {
        workerData: data,
        execArgv: fromSource ? ['--require', require.resolve('tsx/cjs')] : [],
      });
      let failed = false;
      const dispatch = () => {
        if (next >= members) {
          worker.postMessage({ t: 'exit' } satisfies WorkerJob);
          return;
        }
        const member = next++;
        worker.postMessage({ t: 'train', member, options: memberOptions(member) } satisfies WorkerJob);
      };
      worker.on('message', (msg: WorkerReply) => {
        if (msg.t === 'progress') report(msg.member, msg.progress);
        else if (msg.t === 'done') {
          models[msg.member] = new HashbagModel(msg.numRows, msg.dim, msg.numClasses, msg.E, msg.c, msg.W, msg.b);
          dispatch();
        } else {
          failed = true;
          reject(new Error(`training worker (member ${msg.member}): ${msg.message}`));
          void worker.terminate();
        }
      });
      worker.on('error', (err) => {
        failed = true;
        reject(err);
      });
      worker.on('exit', (code) => {
        if (failed) return;
        if (code === 0) resolve();
        else reject(new Error(`training worker exited with code ${code}`));
      });
      dispatch();
    });
  await Promise.all(Array.from({ length: threads }, runWorker));
  return HashbagModel.concat(models);
}
