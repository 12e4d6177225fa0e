// CPU time and run-queue wait of this process's threads, summed by role (main, inference, shard, other), from Linux's
// /proc/self/task/<tid>/schedstat. Why: on a small box the main thread (HTTP, actors, routing) is the pipeline's
// serial step, and it competes for the cores with LMDB's commit threads, the inference worker and V8's helpers. The
// run-queue wait says how long threads were ready to run but had no core: measured at 420 messages/s on 2 cores, the
// main thread was busy 650 ms and waited another 210 ms of every second, which no CPU-usage figure shows.
// Totals never go down: a thread that ends (a restarted worker) keeps its last figures under its role.
import { readdirSync, readFileSync } from 'node:fs';

export type ThreadRole = 'main' | 'inference' | 'shard' | 'other';

export interface ThreadTotals {
  role: ThreadRole;
  /** Seconds on a CPU, summed over the role's threads (including ended ones). */
  cpuSeconds: number;
  /** Seconds runnable but waiting for a CPU. */
  waitSeconds: number;
  /** Threads of this role alive now. */
  threads: number;
}

interface Seen {
  role: ThreadRole;
  cpuNs: number;
  waitNs: number;
  /** What of the thread's figures is already counted under another role (it was `other` until its role was known). */
  baseCpuNs: number;
  baseWaitNs: number;
}

const ROLES: readonly ThreadRole[] = ['main', 'inference', 'shard', 'other'];

export class ThreadStats {
  private readonly seen = new Map<number, Seen>();
  private readonly ended = new Map<ThreadRole, { cpuNs: number; waitNs: number }>();

  /**
   * `roleOf` labels a thread id (the main thread is the one whose id is the process id); `taskDir` is the process's
   * task directory (tests point it elsewhere).
   */
  constructor(
    private readonly roleOf: (tid: number) => ThreadRole,
    private readonly taskDir = '/proc/self/task',
  ) {}

  /** Whether this system exposes per-thread scheduler statistics (Linux with schedstat). */
  static available(taskDir = '/proc/self/task'): boolean {
    try {
      return readdirSync(taskDir).some(
        (tid) => parseSchedstat(readFileSync(`${taskDir}/${tid}/schedstat`, 'utf8')) !== undefined,
      );
    } catch {
      return false;
    }
  }

  /** Reads every thread now; one entry per role, including roles with no thread (zeros). */
  sample(): ThreadTotals[] {
    let tids: string[];
    try {
      tids = readdirSync(this.taskDir);
    } catch {
      tids = [];
    }
    const alive = new Set<number>();
    for (const name of tids) {
      const tid = Number(name);
      let stat: { cpuNs: number; waitNs: number } | undefined;
      try {
        stat = parseSchedstat(readFileSync(`${this.taskDir}/${name}/schedstat`, 'utf8'));
      } catch {
        continue; // the thread ended between the listing and the read
      }
      if (stat === undefined) continue;
      const before = this.seen.get(tid);
      // A smaller figure than last time: the kernel reused the id for a new thread; the old one has ended.
      if (before !== undefined && (stat.cpuNs < before.cpuNs || stat.waitNs < before.waitNs)) this.retire(tid);
      const known = this.seen.get(tid);
      if (known === undefined) this.seen.set(tid, { role: this.roleOf(tid), ...stat, baseCpuNs: 0, baseWaitNs: 0 });
      else {
        // A worker seen before it reported its id: what it used until the last sample stays under `other` (totals
        // never go down); from then on it counts under its role.
        const role = known.role === 'other' ? this.roleOf(tid) : known.role;
        if (role !== known.role) {
          this.addEnded(known.role, known.cpuNs - known.baseCpuNs, known.waitNs - known.baseWaitNs);
          Object.assign(known, { role, baseCpuNs: known.cpuNs, baseWaitNs: known.waitNs });
        }
        known.cpuNs = stat.cpuNs;
        known.waitNs = stat.waitNs;
      }
      alive.add(tid);
    }
    for (const tid of [...this.seen.keys()]) if (!alive.has(tid)) this.retire(tid);
    return ROLES.map((role) => {
      const done = this.ended.get(role) ?? { cpuNs: 0, waitNs: 0 };
      let cpuNs = done.cpuNs;
      let waitNs = done.waitNs;
      let threads = 0;
      for (const s of this.seen.values()) {
        if (s.role !== role) continue;
        cpuNs += s.cpuNs - s.baseCpuNs;
        waitNs += s.waitNs - s.baseWaitNs;
        threads++;
      }
      return { role, cpuSeconds: cpuNs / 1e9, waitSeconds: waitNs / 1e9, threads };
    });
  }

  private retire(tid: number): void {
    const s = this.seen.get(tid);
    if (s === undefined) return;
    this.seen.delete(tid);
    this.addEnded(s.role, s.cpuNs - s.baseCpuNs, s.waitNs - s.baseWaitNs);
  }

  private addEnded(role: ThreadRole, cpuNs: number, waitNs: number): void {
    const done = this.ended.get(role) ?? { cpuNs: 0, waitNs: 0 };
    this.ended.set(role, { cpuNs: done.cpuNs + cpuNs, waitNs: done.waitNs + waitNs });
  }
}

/** `schedstat` is "<ns on cpu> <ns waiting on a run queue> <timeslices>"; undefined if it is not that. */
export function parseSchedstat(text: string): { cpuNs: number; waitNs: number } | undefined {
  const [cpu, wait] = text.trim().split(/\s+/).map(Number);
  if (cpu === undefined || wait === undefined || !Number.isFinite(cpu) || !Number.isFinite(wait)) return undefined;
  return { cpuNs: cpu, waitNs: wait };
}
