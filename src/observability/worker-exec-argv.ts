// The flags a worker thread is started with. Workers get tsx when the node runs from source, plus the profiling flags
// the process itself was started with (`--cpu-prof`, `--heap-prof` and their options), so `node --cpu-prof` profiles
// every shard and inference thread, not only the main one.
const INHERITED = /^--(cpu-prof|heap-prof)/;

export function workerExecArgv(fromSource: boolean): string[] {
  const flags = process.execArgv.filter((flag) => INHERITED.test(flag));
  return fromSource ? ['--require', require.resolve('tsx/cjs'), ...flags] : flags;
}
