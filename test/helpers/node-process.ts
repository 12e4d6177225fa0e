// Child-process nodes for end-to-end tests: the same helper the benchmarks use.
export {
  freePort,
  REPO_ROOT,
  startNodeProcess,
  stopNodeProcess,
  type NodeProcess,
} from '../../bench/lib/node-process.js';
