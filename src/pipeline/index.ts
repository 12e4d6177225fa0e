// Public surface of the message pipeline: what happens to a message after it is stored (analysis now; decisions and
// routing next).
export {
  AnalysisPipeline,
  toAnalysisRecord,
  type AnalysedEvent,
  type AnalysisPipelineOptions,
  type MessageRef,
} from './analysis-pipeline.js';
export { AnalyzeService, type AnalyzeResponse } from './analyze-service.js';
