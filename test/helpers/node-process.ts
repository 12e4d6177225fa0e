// Runs an OmniCX node as a child process exactly as `npm start` does, so tests can kill -9 it.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

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

export async function startNodeProcess(env: Record<string, string>, readyTimeoutMs = 20_000): Promise<NodeProcess> {
  const port = env.PORT ?? String(await freePort());
  const child = spawn(
    process.execPath,
    ['--require', require.resolve('tsx/cjs'), path.join(REPO_ROOT, 'src', 'main.ts')],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, LOG_LEVEL: 'warn', ...env, PORT: port },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + readyTimeoutMs;
  let done = false;
  void exited.then(() => (done = true));
  while (!done) {
    try {
      const res = await fetch(`${base}/health`);
      if (res.status === 200) return { child, base, output: () => output, exited };
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`node did not become ready in ${readyTimeoutMs} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`node exited before it was ready (${String(await exited)}):\n${output}`);
}
