/**
 * Reading a process from /proc (Linux): resident memory and CPU time, for the
 * server child and the load generator itself.
 */
import { readFileSync } from 'node:fs';

const TICKS_PER_SEC = 100; // USER_HZ on Linux

/** VmRSS of `pid` in bytes (0 when it cannot be read). */
export function rssBytes(pid: number): number {
  try {
    const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)\s+kB/m);
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * User + system CPU time in ms of `pid`, all its threads, or with `mainThread`
 * only its main (JavaScript) thread (0 when it cannot be read).
 */
export function cpuMs(pid: number, mainThread = false): number {
  try {
    const path = mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`;
    const stat = readFileSync(path, 'utf8');
    // Fields after the command name (which may contain spaces) start at ")".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return ((utime + stime) * 1000) / TICKS_PER_SEC;
  } catch {
    return 0;
  }
}

export interface CpuShare {
  /** All threads, 1.0 = one core. */
  readonly total: number;
  /** The main (JavaScript) thread alone: at 1.0 the event loop is saturated. */
  readonly main: number;
  /** CPU time spent, all threads and main thread, ms. */
  readonly totalMs: number;
  readonly mainMs: number;
  readonly wallMs: number;
}

/** Measures the CPU share of `pid` from now until `stop()`. */
export function cpuMeter(pid: number): { stop(): CpuShare } {
  const all0 = cpuMs(pid);
  const main0 = cpuMs(pid, true);
  const t0 = performance.now();
  const share = (ms: number, wall: number) => (wall <= 0 ? 0 : Math.round((ms / wall) * 100) / 100);
  return {
    stop() {
      const wallMs = performance.now() - t0;
      const totalMs = cpuMs(pid) - all0;
      const mainMs = cpuMs(pid, true) - main0;
      return {
        total: share(totalMs, wallMs),
        main: share(mainMs, wallMs),
        totalMs,
        mainMs,
        wallMs: Math.round(wallMs),
      };
    },
  };
}

/** `1.2 GiB`-style size. */
export function mib(bytes: number): number {
  return Math.round((bytes / 1024 / 1024) * 10) / 10;
}
