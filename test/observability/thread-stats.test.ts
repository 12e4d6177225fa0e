// Per-thread CPU and run-queue totals: parsing, roles, threads that end or have their id reused, a role learnt late,
// and the real /proc of this process with a worker thread that burns CPU.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { currentThreadId, parseSchedstat, ThreadStats, type ThreadRole } from '../../src/observability/index.js';

const linux = ThreadStats.available();

describe('parseSchedstat', () => {
  it('reads CPU and run-queue nanoseconds', () => {
    expect(parseSchedstat('1500000000 250000000 42\n')).toEqual({ cpuNs: 1_500_000_000, waitNs: 250_000_000 });
  });
  it('refuses anything else', () => {
    expect(parseSchedstat('')).toBeUndefined();
    expect(parseSchedstat('abc def 1')).toBeUndefined();
    expect(parseSchedstat('12')).toBeUndefined();
  });
});

describe('ThreadStats over a task directory', () => {
  let dir: string;
  const write = (tid: number, cpuNs: number, waitNs: number) => {
    mkdirSync(path.join(dir, String(tid)), { recursive: true });
    writeFileSync(path.join(dir, String(tid), 'schedstat'), `${cpuNs} ${waitNs} 1\n`);
  };
  const end = (tid: number) => rmSync(path.join(dir, String(tid)), { recursive: true });
  const of = (totals: ReturnType<ThreadStats['sample']>, role: ThreadRole) => totals.find((t) => t.role === role)!;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'omnicx-task-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('sums by role and keeps the figures of threads that ended', () => {
    const roles: Record<number, ThreadRole> = { 100: 'main', 101: 'inference' };
    const stats = new ThreadStats((tid) => roles[tid] ?? 'other', dir);
    write(100, 2e9, 1e9);
    write(101, 1e9, 0.5e9);
    write(102, 0.5e9, 0.1e9);
    write(103, 0.25e9, 0.1e9);
    let totals = stats.sample();
    expect(of(totals, 'main')).toEqual({ role: 'main', cpuSeconds: 2, waitSeconds: 1, threads: 1 });
    expect(of(totals, 'inference')).toEqual({ role: 'inference', cpuSeconds: 1, waitSeconds: 0.5, threads: 1 });
    expect(of(totals, 'other')).toEqual({ role: 'other', cpuSeconds: 0.75, waitSeconds: 0.2, threads: 2 });
    expect(of(totals, 'shard')).toEqual({ role: 'shard', cpuSeconds: 0, waitSeconds: 0, threads: 0 });

    end(101); // the inference worker restarts: a new thread takes its place
    roles[104] = 'inference';
    write(104, 0.5e9, 0);
    totals = stats.sample();
    expect(of(totals, 'inference')).toEqual({ role: 'inference', cpuSeconds: 1.5, waitSeconds: 0.5, threads: 1 });
  });

  it('treats smaller figures under a known id as a new thread (id reused), so totals never go down', () => {
    const stats = new ThreadStats(() => 'other', dir);
    write(200, 3e9, 1e9);
    expect(of(stats.sample(), 'other').cpuSeconds).toBe(3);
    write(200, 1e9, 0.5e9);
    expect(of(stats.sample(), 'other')).toEqual({ role: 'other', cpuSeconds: 4, waitSeconds: 1.5, threads: 1 });
  });

  it('moves a thread to its role once known, leaving what it used before under `other`', () => {
    let known = false;
    const stats = new ThreadStats((tid) => (tid === 300 && known ? 'inference' : 'other'), dir);
    write(300, 1e9, 0.2e9);
    expect(of(stats.sample(), 'other').cpuSeconds).toBe(1);
    known = true;
    write(300, 1.5e9, 0.3e9);
    let totals = stats.sample();
    expect(of(totals, 'other')).toMatchObject({ cpuSeconds: 1, threads: 0 });
    expect(of(totals, 'inference').cpuSeconds).toBeCloseTo(0.5, 9);
    expect(of(totals, 'inference').waitSeconds).toBeCloseTo(0.1, 9);
    end(300);
    totals = stats.sample();
    expect(of(totals, 'other').cpuSeconds).toBe(1);
    expect(of(totals, 'inference')).toMatchObject({ threads: 0 });
    expect(of(totals, 'inference').cpuSeconds).toBeCloseTo(0.5, 9);
  });

  it('reads nothing from a directory that does not exist', () => {
    const stats = new ThreadStats(() => 'other', path.join(dir, 'missing'));
    expect(stats.sample().every((t) => t.cpuSeconds === 0 && t.threads === 0)).toBe(true);
    expect(ThreadStats.available(path.join(dir, 'missing'))).toBe(false);
  });
});

(linux ? describe : describe.skip)('ThreadStats over this process (Linux)', () => {
  it('counts a worker thread under its role by the id it reports, and keeps it after the thread ends', async () => {
    expect(currentThreadId()).toBe(process.pid);
    // The worker reports its id, then burns about 300 ms of CPU, then waits to be told to end.
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       const { readlinkSync } = require('node:fs');
       parentPort.postMessage(Number(/task\\/(\\d+)$/.exec(readlinkSync('/proc/thread-self'))[1]));
       const until = Date.now() + 300; let x = 0; while (Date.now() < until) x++;
       parentPort.postMessage('burnt');
       parentPort.on('message', () => process.exit(0));`,
      { eval: true },
    );
    const messages: unknown[] = [];
    const next = () =>
      new Promise<unknown>((resolve) => {
        if (messages.length > 0) resolve(messages.shift());
        else worker.once('message', resolve);
      });
    const tid = (await next()) as number;
    expect(tid).not.toBe(process.pid);
    const stats = new ThreadStats((t) => (t === process.pid ? 'main' : t === tid ? 'inference' : 'other'));
    expect(await next()).toBe('burnt');
    const during = stats.sample();
    const inference = during.find((t) => t.role === 'inference')!;
    expect(inference.threads).toBe(1);
    expect(inference.cpuSeconds).toBeGreaterThan(0.2);
    expect(during.find((t) => t.role === 'main')!.cpuSeconds).toBeGreaterThan(0);
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.postMessage('end');
    await exited;
    const after = stats.sample().find((t) => t.role === 'inference')!;
    expect(after.threads).toBe(0);
    expect(after.cpuSeconds).toBeGreaterThanOrEqual(inference.cpuSeconds);
  });
});
