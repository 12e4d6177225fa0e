// Public surface of the actor runtime.
export { ActorGateway } from './actor-gateway.js';
export { ShardPool, type ShardPoolOptions, type ShardEvent } from './shard-pool.js';
export { InProcessShards, type InProcessShardsOptions } from './in-process-shards.js';
export type { ShardTransport } from './shard-transport.js';
export { ShardRuntime, type ShardRuntimeOptions } from './shard-runtime.js';
export { shardOf, fnv1a32 } from './shard-router.js';
export type {
  AnalysisRecord,
  CustomerUpdate,
  InboundDraft,
  IngestResult,
  RecordAnalysisResult,
  ReplyRequest,
  ReplyResult,
  ShardAnalysisOptions,
  ShardStats,
} from './protocol.js';
