/**
 * The shared service lifecycle, with a fake service (a shell script) so that
 * each failure can be staged exactly: a start that lost its port is retried
 * on a fresh one, the final error lists every attempt, other failures are
 * not retried, and no process or folder outlives the test process, whether
 * it exits or is killed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { alive } from './lock.ts';
import { type ServiceSpec, startServiceProcess } from './service-process.ts';

/**
 * A fake service: the first `failures` starts print `failure` and exit 1,
 * later ones print "ready" and sleep. Each start appends its port to `ports`.
 */
function fake(failures: number, failure = 'listen tcp: bind: address already in use'): ServiceSpec {
  const script = [
    'n=$(cat count 2>/dev/null || echo 0)',
    'echo $((n + 1)) > count',
    'echo "$1" >> ports',
    `if [ "$n" -lt ${failures} ]; then echo '${failure}' >&2; exit 1; fi`,
    'echo ready',
    'exec sleep 1000',
  ].join('\n');
  return {
    name: 'fake',
    binary: '/bin/sh',
    args: (port) => ['-c', script, 'fake', String(port)],
    ready: /^ready$/m,
    bindFailed: /address already in use/,
  };
}

/** The folder of the fake service whose owner.pid is `pid`. */
async function homesOf(pid: number): Promise<string[]> {
  const found: string[] = [];
  for (const name of await readdir(tmpdir())) {
    if (!name.startsWith('parley-fake-')) continue;
    const owner = await readFile(join(tmpdir(), name, 'owner.pid'), 'utf8').catch(() => '');
    if (owner === String(pid)) found.push(join(tmpdir(), name));
  }
  return found;
}

async function until(what: () => Promise<boolean> | boolean, label: string, timeoutMs = 8000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await what())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label}`);
    await new Promise((done) => setTimeout(done, 50));
  }
}

test('a start that lost its port is retried on a fresh port', async () => {
  const service = await startServiceProcess(fake(2));
  try {
    const [home] = await homesOf(process.pid);
    if (!home) throw new Error('no home folder');
    const ports = (await readFile(join(home, 'ports'), 'utf8')).trim().split('\n').map(Number);
    expect(ports).toHaveLength(3);
    expect(new Set(ports).size).toBe(3);
    expect(ports[2]).toBe(service.port);
    expect(alive(service.pid)).toBe(true);
  } finally {
    await service.stop();
  }
});

test('after five lost ports it gives up, listing each attempt with its port and reason', async () => {
  const err = await startServiceProcess(fake(99)).catch((e: Error) => e);
  expect(err).toBeInstanceOf(Error);
  const lines = (err as Error).message.split('\n');
  expect(lines[0]).toBe('fake (/bin/sh) did not start after 5 attempt(s):');
  const attempts = lines.slice(1, 6);
  for (const [i, line] of attempts.entries())
    expect(line).toMatch(
      new RegExp(
        `^  attempt ${i + 1} on port \\d+: exited \\(code 1\\) before it was ready: port already in use$`,
      ),
    );
  expect(lines[6]).toBe('--- last output ---');
  expect(lines[7]).toBe('listen tcp: bind: address already in use');
  expect(await homesOf(process.pid)).toEqual([]);
});

test('a failure other than a lost port is not retried', async () => {
  const err = await startServiceProcess(fake(99, 'config error: boom')).catch((e: Error) => e);
  expect((err as Error).message).toMatch(
    /^fake \(\/bin\/sh\) did not start after 1 attempt\(s\) \(not a port clash: not retried\):\n {2}attempt 1 on port \d+: exited \(code 1\) before it was ready\n--- last output ---\nconfig error: boom$/,
  );
});

test('folders of dead test processes are swept at the next start', async () => {
  const dead = spawnSync('true').pid;
  const orphan = await mkdtemp(join(tmpdir(), 'parley-fake-'));
  await writeFile(join(orphan, 'owner.pid'), String(dead));
  const service = await startServiceProcess(fake(0));
  await service.stop();
  expect(await homesOf(dead)).toEqual([]);
  await rm(orphan, { recursive: true, force: true });
});

/** Runs a node process that starts the fake service, prints its pid, then does `then`. */
async function childStartingService(then: string): Promise<{ owner: number; service: number }> {
  const code = [
    `import { startServiceProcess } from ${JSON.stringify(join(import.meta.dirname, 'service-process.ts'))};`,
    `const s = await startServiceProcess({ name: 'fake', binary: '/bin/sh', args: () => ['-c', 'echo ready; exec sleep 1000'], ready: /ready/, bindFailed: /in use/ });`,
    `console.log(s.pid);`,
    then,
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const pid = await new Promise<number>((done, fail) => {
    child.stdout.once('data', (chunk: Buffer) => done(Number(chunk.toString().trim())));
    child.once('exit', (c) => fail(new Error(`child exited (${c}) before starting the service`)));
  });
  return { owner: child.pid ?? -1, service: pid };
}

test.concurrent('a service dies with a test process that exits without stopping it', async () => {
  const { service } = await childStartingService('process.exit(0);');
  await until(() => !alive(service), 'the service to die');
});

test.concurrent('a service dies, and its folder goes, when the test process is SIGKILLed', async () => {
  const { owner, service } = await childStartingService('setInterval(() => {}, 1000);');
  expect(alive(service)).toBe(true);
  expect(await homesOf(owner)).toHaveLength(1);
  process.kill(owner, 'SIGKILL');
  await until(() => !alive(service), 'the watchdog to kill the service');
  await until(async () => (await homesOf(owner)).length === 0, 'the folder to be removed');
});
