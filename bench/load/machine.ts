/**
 * What a benchmark result should say about where it ran: CPU model and count,
 * Node version, the load average (other processes share this machine), time.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';

export interface Machine {
  readonly cpus: number;
  /** Machine CPU idle % over 2 s just before the run (see `idlePct`). */
  readonly idlePctBefore: number;
  readonly cpuModel: string;
  readonly node: string;
  readonly loadAvg1: number;
  readonly at: string;
}

export async function machine(): Promise<Machine> {
  const list = cpus();
  return {
    idlePctBefore: await idlePct(),
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    node: process.version,
    loadAvg1: Math.round(loadavg()[0]! * 100) / 100,
    at: new Date().toISOString(),
  };
}

/** The 1-minute load average now, two decimals. */
export function load1(): number {
  return Math.round(loadavg()[0]! * 100) / 100;
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function cpuTimes(): { idle: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return { idle: (f[3] ?? 0) + (f[4] ?? 0), total: f.reduce((a, b) => a + b, 0) };
}

/**
 * Share of the whole machine's CPU left idle over `ms` (0..100), read from
 * /proc/stat before a benchmark starts its own load: what other processes
 * were taking. -1 when /proc/stat cannot be read.
 */
export async function idlePct(ms = 2000): Promise<number> {
  try {
    const a = cpuTimes();
    await sleepMs(ms);
    const b = cpuTimes();
    return Math.round(((b.idle - a.idle) / Math.max(1, b.total - a.total)) * 100);
  } catch {
    return -1;
  }
}
