// Public surface of the message pipeline: what happens to a message after it is stored (analysis now; decisions and
// routing next).
export { AdmissionControl, type AdmissionOptions, type RefusalReason } from './admission-control.js';
export {
  AnalysisPipeline,
  toAnalysisRecord,
  type AnalysedEvent,
  type AnalysisPipelineOptions,
  type MessageOrigin,
  type MessageRef,
} from './analysis-pipeline.js';
export { AnalyzeService, type AnalyzeResponse } from './analyze-service.js';
export {
  RoutingService,
  toOmniError,
  type ConversationContext,
  type RoutingServiceOptions,
} from './routing-service.js';
