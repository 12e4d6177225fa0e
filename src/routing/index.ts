// Public surface of the real-time routing core (issue 5): the Router and its types. Everything else in this folder
// is internal (actors, indexes, heaps), exported only where tests or benchmarks need it.
export * from './routing-types.js';
export { Router, type DecideInput, type RouterOptions } from './router.js';
export { RecentMap } from './recent-map.js';
export { RoutingError, ROUTING_ERROR_CODES, isRoutingError, type RoutingErrorCode } from './routing-error.js';
export { erlangC, erlangCWaitMs, positionWaitMs } from './wait-estimate.js';
export { ACTION_LABELS, MAX_RECOMMENDATIONS, REFUND_INTENTS, actionsForIntent } from './agent-assist.js';
