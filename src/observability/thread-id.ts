// The kernel's id of the calling thread (Linux), so a worker thread can tell the main thread which of the process's
// threads it is: per-thread CPU and run-queue figures (thread-stats.ts) are then labelled by role, not by number.
// Node has no API for it; /proc/thread-self links to /proc/<pid>/task/<tid> of whichever thread reads it.
import { readlinkSync } from 'node:fs';

/** This thread's kernel id, or undefined where /proc/thread-self does not exist (not Linux, or no /proc). */
export function currentThreadId(): number | undefined {
  try {
    const tid = Number(/\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1]);
    return Number.isInteger(tid) && tid > 0 ? tid : undefined;
  } catch {
    return undefined;
  }
}
