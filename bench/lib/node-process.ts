// Starts an OmniCX node (or any server script) as a child process, exactly as `npm start` does, and waits until it
// answers. Shared by the benchmarks and the end-to-end tests.
import { appendFileSync } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const TSX = require.resolve('tsx/cjs');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

export interface NodeProcess {
  child: ChildProcess;
  base: string;
  output: () => string;
  /** Resolves with the exit code or signal name. */
  exited: Promise<number | string>;
}

/** Starts `script` (default: src/main.ts) with tsx and waits for `readyPath` to answer 200. */
export async function startNodeProcess(
  env: Record<string, string>,
  options: { script?: string; readyPath?: string; readyTimeoutMs?: number } = {},
): Promise<NodeProcess> {
  const port = env.PORT ?? String(await freePort());
  const script = options.script ?? path.join(REPO_ROOT, 'src', 'main.ts');
  // BENCH_NODE_ARGS: extra node flags for the servers started here (the node, and the local provider server), e.g.
  // `--cpu-prof --cpu-prof-dir=/tmp/prof`, which NODE_OPTIONS refuses: a run is profiled without its load generators.
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...extra, '--require', TSX, script], {
    cwd: REPO_ROOT,
    // SMTP_PORT 0: the email ingress takes a free port, so several nodes can run side by side.
    env: { ...process.env, LOG_LEVEL: 'warn', SMTP_PORT: '0', ...env, PORT: port },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  // BENCH_NODE_OUT=FILE: also append the servers' stdout/stderr there (e.g. with BENCH_NODE_ARGS=--trace-gc).
  const teeTo = process.env.BENCH_NODE_OUT;
  const collect = (d: Buffer) => {
    output += d.toString();
    if (teeTo !== undefined) appendFileSync(teeTo, d);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 20_000);
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    try {
      const res = await fetch(`${base}${options.readyPath ?? '/health'}`);
      if (res.status === 200) return { child, base, output: () => output, exited };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${script} did not become ready:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${script} exited before it was ready (${String(await exited)}):\n${output}`);
}

export async function stopNodeProcess(node: NodeProcess): Promise<void> {
  if (node.child.exitCode !== null) return;
  node.child.kill('SIGTERM');
  await node.exited;
}
