/**
 * A pool thread's scheduling priority (internal). On Linux each thread has its own nice value, so
 * a worker can yield the cores to the thread that runs the event loop (frames, deadlines, the
 * close's own pieces) while it regenerates masks. Elsewhere setpriority applies to the whole
 * process, so nothing is changed there.
 */
import { getPriority, setPriority } from 'node:os';

/** Lowers the calling thread's priority by `increment` (1..19) on Linux. */
export function lowerThreadPriority(increment: number): void {
  if (increment <= 0 || process.platform !== 'linux') return;
  try {
    setPriority(Math.min(19, getPriority() + increment));
  } catch {
    // not permitted here (a container's seccomp policy, say): run at the usual priority
  }
}
