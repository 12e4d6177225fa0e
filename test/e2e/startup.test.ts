// The command line as a user meets it: --help, refusal of an incompatible data directory, graceful SIGTERM.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT, startNodeProcess } from '../helpers/node-process.js';
import { makeTempDir, removeDir } from '../helpers/temp-dir.js';

const main = ['--require', require.resolve('tsx/cjs'), path.join(REPO_ROOT, 'src', 'main.ts')];

let dir: string;
beforeEach(() => {
  dir = makeTempDir();
});
afterEach(() => removeDir(dir));

test('--help describes usage and the environment overrides', () => {
  const run = spawnSync(process.execPath, [...main, '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
  expect(run.status).toBe(0);
  expect(run.stdout).toContain('Usage:');
  for (const variable of ['PORT', 'HOST', 'DATA_DIR', 'SHARDS']) expect(run.stdout).toContain(variable);
});

test('an incompatible data directory is refused with a clear message and exit code 3', () => {
  const dataDir = path.join(dir, 'data');
  mkdirSync(dataDir);
  writeFileSync(path.join(dataDir, 'omnicx.mdb'), 'definitely not LMDB');
  const run = spawnSync(process.execPath, main, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, DATA_DIR: dataDir, PORT: '0', SMTP_PORT: '0' },
  });
  expect(run.status).toBe(3);
  expect(run.stdout + run.stderr).toMatch(/not usable by this OmniCX/);
});

test('a bad configuration value stops start-up with exit code 2', () => {
  const run = spawnSync(process.execPath, main, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    env: { ...process.env, PORT: 'eighty', SMTP_PORT: '0' },
  });
  expect(run.status).toBe(2);
  expect(run.stderr).toMatch(/PORT=eighty is not a number/);
});

test('SIGTERM stops the node gracefully and the data is there on the next start', async () => {
  const env = { DATA_DIR: path.join(dir, 'data'), SHARDS: '2' };
  let node = await startNodeProcess(env);
  const res = await fetch(`${node.base}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ channel: 'sms', from: '+15550009999', text: 'keep me' }),
  });
  const ack = (await res.json()) as { conversationId: string };
  node.child.kill('SIGTERM');
  expect(await node.exited).toBe(0);
  // A clean stop: every shard closed its store without an error.
  expect(node.output()).not.toMatch(/"level":50/);
  node = await startNodeProcess(env);
  const conversation = (await (await fetch(`${node.base}/v1/conversations/${ack.conversationId}`)).json()) as {
    messages: unknown[];
  };
  expect(conversation.messages).toHaveLength(1);
  node.child.kill('SIGTERM');
  expect(await node.exited).toBe(0);
});
