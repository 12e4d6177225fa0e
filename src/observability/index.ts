// Public surface of logging and metrics.
export { EventLoopLag } from './event-loop-lag.js';
export { EventLoopUtilization } from './event-loop-utilization.js';
export { createLogger, type Logger } from './logger.js';
export { NodeMetrics } from './metrics.js';
export { workerExecArgv } from './worker-exec-argv.js';
export { currentThreadId } from './thread-id.js';
export { ThreadStats, parseSchedstat, type ThreadRole, type ThreadTotals } from './thread-stats.js';
