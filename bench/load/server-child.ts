/**
 * Entry of a benchmark's server child: `bin/parley.ts` itself (same env, same
 * composition, same logs), plus a debug hook on the IPC channel that only
 * observes the process:
 * - `{t:"memory"}` answers `process.memoryUsage()` after two full GCs (with
 *   `--expose-gc`);
 * - `{t:"heap-snapshot", path}` writes a V8 heap snapshot there;
 * - `{t:"profile-start"}` / `{t:"profile-stop", path}` record a V8 CPU profile
 *   of the main thread over just that window (the inspector's profiler), so
 *   start-up and connection set-up stay out of it.
 * Each is answered with a message of the same `t`. Nothing here touches the
 * node's internals. `PARLEY_SERVER_ENTRY` may name another checkout's
 * `bin/parley.ts` (a frozen snapshot to measure while the working tree changes).
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { pathToFileURL } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';

type DebugRequest =
  | { readonly t: 'memory'; readonly gc?: boolean }
  | { readonly t: 'heap-snapshot'; readonly path: string }
  | { readonly t: 'profile-start' }
  | { readonly t: 'profile-stop'; readonly path: string };

let inspector: Session | undefined;

function post(method: string, params: object = {}): Promise<unknown> {
  inspector ??= new Session();
  if (method === 'Profiler.enable') inspector.connect();
  return new Promise((resolve, reject) =>
    inspector!.post(method, params, (err, result) => (err ? reject(err) : resolve(result))),
  );
}

async function handle(m: DebugRequest): Promise<object> {
  switch (m.t) {
    case 'memory': {
      const gc = (globalThis as { gc?: () => void }).gc;
      if (m.gc !== false && gc !== undefined) {
        gc();
        gc();
      }
      return process.memoryUsage();
    }
    case 'heap-snapshot':
      return { path: writeHeapSnapshot(m.path) };
    case 'profile-start':
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 500 });
      await post('Profiler.start');
      return {};
    case 'profile-stop': {
      const { profile } = (await post('Profiler.stop')) as { profile: object };
      writeFileSync(m.path, JSON.stringify(profile));
      inspector?.disconnect();
      inspector = undefined;
      return { path: m.path };
    }
  }
}

process.on('message', (m: DebugRequest) => {
  handle(m).then(
    (answer) => process.send?.({ t: m.t, ...answer }),
    (err: unknown) => process.send?.({ t: m.t, error: String(err) }),
  );
});
// A parent that dies must not leave a server behind.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));

const entry = process.env.PARLEY_SERVER_ENTRY;
if (entry) await import(pathToFileURL(entry).href);
else await import('../../bin/parley.ts');
