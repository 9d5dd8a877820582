/**
 * The `npm run sim` contract, end to end: the real entry point in a child
 * process on tiny scenario files. `--json` prints one JSON line per run
 * (seeds N, N+1, ... with `--runs`, `params` with `--sweep`); `--out` writes
 * the report files; a bad scenario exits 2 naming the field; a failing run
 * exits 1, shrinks, and writes the minimal failing scenario.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseScenario } from '../scenario/index.ts';

const root = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const tiny = file(
  'tiny.yaml',
  `name: tiny
seed: 5
durationS: 3
users: { count: 4 }
workload: { messagesPerUserPerS: 1, groups: { count: 1, size: 3 } }
checks: { convergenceS: 2 }
`,
);

/** Store down for the whole run, availability required: fails. */
const failing = file(
  'down.yaml',
  `name: down
seed: 9
durationS: 3
users: { count: 4 }
workload: { messagesPerUserPerS: 1, groupShare: 0, groups: { count: 1, size: 2 } }
faults:
  - { at: 0, kind: store-outage, duration: 3 }
checks: { availabilityMin: 0.9, convergenceS: 1 }
`,
);

let runs = 0;

/** Runs the CLI; without `--out`, into a fresh directory under `dir` (not the default `sim-out/`). */
function sim(...args: string[]) {
  if (!args.includes('--out')) args.push('--out', join(dir, `run${++runs}`));
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'simulations/cli/sim.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 50_000,
  });
  if (r.error !== undefined) throw r.error;
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  const lines = stdout.split('\n').filter((l) => l !== '');
  return lines.map((l) => JSON.parse(l) as Record<string, unknown>);
}

const KEYS = ['scenario', 'seed', 'trace', 'simulatedS', 'wallS', 'speedup', 'ok', 'checks'];

describe('npm run sim', () => {
  it('--json prints exactly one JSON line per run, and exits 0', () => {
    const r = sim(tiny, '--json', '--quiet');
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines).toHaveLength(1);
    const line = lines[0]!;
    for (const k of KEYS) expect(line, k).toHaveProperty(k);
    expect(line.scenario).toBe('tiny');
    expect(line.seed).toBe(5);
    expect(line.trace).toMatch(/^[0-9a-f]{8,}$/);
    expect(line.simulatedS).toBe(5);
    expect(line.ok).toBe(true);
    const checks = line.checks as Record<string, { ok: unknown }>;
    expect(Object.keys(checks)).toEqual(
      expect.arrayContaining(['lost', 'duplicated', 'reordered']),
    );
    for (const [name, c] of Object.entries(checks)) expect(c.ok, name).toBe(true);
  }, 60_000);

  it('--runs 2 runs seeds N and N+1', () => {
    const r = sim(tiny, '--json', '--quiet', '--runs', '2', '--seed', '11');
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => l.seed)).toEqual([11, 12]);
    expect(lines[0]!.trace).not.toBe(lines[1]!.trace);
  }, 60_000);

  it('--sweep runs each value and prints its params', () => {
    const r = sim(tiny, '--json', '--quiet', '--sweep', 'users.count=4,6');
    expect(r.code, r.stderr).toBe(0);
    const lines = jsonLines(r.stdout);
    expect(lines.map((l) => l.params)).toEqual([{ 'users.count': 4 }, { 'users.count': 6 }]);
    expect(lines.map((l) => l.seed)).toEqual([5, 5]);
  }, 60_000);

  it('--out writes results.json, series.csv and report.html', () => {
    const out = join(dir, 'out');
    const r = sim(tiny, '--quiet', '--out', out);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ok +tiny seed 5 +trace [0-9a-f]+/);
    for (const f of ['results.json', 'series.csv', 'report.html'])
      expect(existsSync(join(out, f)), `${f} in ${readdirSync(out).join(', ')}`).toBe(true);
    const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as unknown;
    expect(JSON.stringify(results)).toContain('"seed":5');
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('tiny');
  }, 60_000);

  it('a scenario with an unknown field exits 2 naming the field', () => {
    const bad = file(
      'bad.yaml',
      'name: bad\ndurationS: 3\nusers: { count: 4, devicesPerUsr: 2 }\n',
    );
    const r = sim(bad, '--json');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('devicesPerUsr');
    expect(r.stdout).toBe('');
  }, 60_000);

  it('a failing run exits 1, shrinks it and writes the minimal failing scenario', () => {
    const out = join(dir, 'fail-out');
    const r = sim(failing, '--json', '--quiet', '--out', out);
    expect(r.code, r.stderr).toBe(1);
    const [line] = jsonLines(r.stdout);
    expect(line!.ok).toBe(false);
    expect((line!.checks as Record<string, { ok: boolean }>).availability!.ok).toBe(false);
    expect(r.stderr).toContain('minimal failing scenario');
    const min = join(out, 'down-seed9-min.yaml');
    expect(existsSync(min), readdirSync(out).join(', ')).toBe(true);
    const shrunk = parseScenario(readFileSync(min, 'utf8'), min);
    expect(shrunk.seed).toBe(9);
    expect(shrunk.users.count).toBeLessThanOrEqual(4);
    expect(shrunk.faults.map((f) => f.kind)).toEqual(['store-outage']);
    // Replaying the written scenario fails again.
    const again = sim(min, '--json', '--quiet', '--no-shrink');
    expect(again.code, again.stderr).toBe(1);
    expect(again.stderr).not.toContain('minimal failing scenario');
  }, 90_000);

  it('--no-shrink fails without shrinking', () => {
    const r = sim(failing, '--quiet', '--no-shrink');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^FAIL +down seed 9 .*failed: .*availability/);
    expect(r.stderr).not.toContain('minimal failing scenario');
  }, 60_000);
});
