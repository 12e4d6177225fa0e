// Worker-thread entry of one shard: opens the shared LMDB environment, runs a ShardRuntime, and speaks the framed
// protocol with the main thread. Replies are coalesced per event-loop turn into one postMessage, which matters at
// tens of thousands of requests per second.
import { parentPort, workerData } from 'node:worker_threads';
import { OmniError } from '../domain/index.js';
import { createLogger, currentThreadId } from '../observability/index.js';
import { Storage } from '../persistence/index.js';
import { CoalescingFlush } from './coalescing-flush.js';
import { decodeFrame, encodeFrame } from './frame-codec.js';
import { PROTOCOL_VERSION, type MainToShardFrame, type ShardToMainFrame, type ShardWorkerData } from './protocol.js';
import { ShardRuntime } from './shard-runtime.js';

const port = parentPort;
if (port === null) throw new Error('shard-worker must run in a worker thread');
const data = workerData as ShardWorkerData;
const logger = createLogger(data.logLevel, { thread: `shard-${data.shard}` });

const storage = Storage.open(data.dataDir, { create: false });
const runtime = new ShardRuntime({
  shard: data.shard,
  shards: data.shards,
  storage,
  passivateAfterMs: data.passivateAfterMs,
  ...(data.maxLiveActors === undefined ? {} : { maxLiveActors: data.maxLiveActors }),
  archiveAfterMs: data.archiveAfterMs,
  analysis: data.analysis,
  logger,
});

let outbox: ShardToMainFrame[] = [];
const flusher = new CoalescingFlush(flush);
function send(frame: ShardToMainFrame): void {
  outbox.push(frame);
  flusher.request();
}
function flush(): void {
  if (outbox.length === 0) return;
  const frames = outbox;
  outbox = [];
  const bytes = encodeFrame(frames);
  port?.postMessage(bytes, [bytes.buffer]);
}

port.on('message', (bytes: Uint8Array) => {
  const frames = decodeFrame<MainToShardFrame[]>(bytes);
  for (const frame of frames) {
    if (frame.t === 'shutdown') {
      runtime.close();
      // lmdb-js returns a promise-like without finally(): wrap it.
      void Promise.resolve(storage.flushed()).finally(() => {
        storage.close();
        send({ t: 'closed' });
        flusher.now(); // before the port closes
        // Let the thread end on its own (so exit hooks such as --cpu-prof run); the pool terminates it otherwise.
        setImmediate(() => port.close());
      });
      continue;
    }
    const { id, body } = frame;
    if (body.type === 'shard.crash') {
      if (!data.faultInjection) {
        send({
          t: 'res',
          id,
          ok: false,
          error: new OmniError('ROUTE_NOT_FOUND', 'fault injection is disabled').toWire(),
        });
        continue;
      }
      logger.warn('fault injection: crashing this shard worker');
      setImmediate(() => {
        throw new Error('injected shard crash');
      });
      continue;
    }
    let pending;
    try {
      pending = runtime.handle(body);
    } catch (error) {
      pending = Promise.reject(error);
    }
    pending.then(
      (result) => send({ t: 'res', id, ok: true, body: result }),
      (error: unknown) => {
        const typed = OmniError.from(error);
        if (typed.code === 'INTERNAL') logger.error({ err: error, request: body.type }, 'request failed');
        send({ t: 'res', id, ok: false, error: typed.toWire() });
      },
    );
  }
});

const tid = currentThreadId();
send({ t: 'ready', shard: data.shard, protocol: PROTOCOL_VERSION, ...(tid !== undefined && { tid }) });
logger.debug('shard ready');
