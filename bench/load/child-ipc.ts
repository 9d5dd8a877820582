/**
 * Talking to a child process the benchmarks started: `askChild` sends one
 * debug request over its IPC channel (`server-child.ts` answers each with a
 * message of the same `t`, or `{t, error}`) and waits for that answer, at
 * most `timeoutMs`; `stopChild` ends it with SIGTERM, SIGKILL after
 * `graceMs`, and resolves once it exited.
 */
import type { ChildProcess } from 'node:child_process';

export interface DebugRequest {
  readonly t: string;
  readonly [k: string]: unknown;
}

export function askChild<T>(
  child: ChildProcess,
  request: DebugRequest,
  timeoutMs: number,
): Promise<T> {
  if (!child.connected)
    return Promise.reject(
      new Error(
        `child ${child.pid} has no IPC channel for ${request.t} (started without debug hooks?)`,
      ),
    );
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('message', onMessage);
      reject(new Error(`server child did not answer ${request.t} in ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m: { t?: string; error?: string } & T) => {
      if (m.t !== request.t) return;
      clearTimeout(timer);
      child.off('message', onMessage);
      if (m.error !== undefined) reject(new Error(`server child: ${request.t}: ${m.error}`));
      else resolve(m);
    };
    child.on('message', onMessage);
    child.send(request);
  });
}

export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}
