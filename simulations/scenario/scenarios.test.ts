import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSimArgs } from '../cli/args.ts';
import { expandSweeps, loadScenario } from './index.ts';

const dir = join(import.meta.dirname, '..', 'scenarios');
const files = readdirSync(dir).filter((f) => f.endsWith('.yaml'));

describe('shipped scenarios', () => {
  it('are the nine the simulator promises', () => {
    expect(files.sort()).toStrictEqual([
      'drain.yaml',
      'hot-group.yaml',
      'link-loss.yaml',
      'node-crash.yaml',
      'partition-heal.yaml',
      'reconnect-storm-no-jitter.yaml',
      'reconnect-storm.yaml',
      'rolling-restart.yaml',
      'slow-flaky-store.yaml',
    ]);
  });

  it.each(files)(
    '%s parses, is named for its file, is short enough for CI and says what it studies',
    async (file) => {
      const s = await loadScenario(join(dir, file));
      expect(s.name).toBe(file.replace(/\.yaml$/, ''));
      expect(s.description).not.toBe('');
      const scale = file.startsWith('reconnect-storm') || file === 'hot-group.yaml';
      // The 1024-member fan-out is heavy per message: its scenario is shorter.
      expect(s.durationS).toBeGreaterThanOrEqual(file === 'hot-group.yaml' ? 20 : 30);
      expect(s.durationS).toBeLessThanOrEqual(60);
      if (!scale) expect(s.users.count).toBeLessThanOrEqual(300);
      expect(expandSweeps(s).length).toBeGreaterThanOrEqual(1);
    },
  );

  it('study what their names say', async () => {
    const load = (name: string) => loadScenario(join(dir, `${name}.yaml`));
    expect(
      (await load('partition-heal')).faults.map((f) => f.kind === 'partition' && f.shape),
    ).toStrictEqual(['isolate', 'split']);
    expect((await load('node-crash')).faults).toStrictEqual([
      { atS: 15, kind: 'crash', node: 1, restartAfterS: 5 },
    ]);
    expect((await load('rolling-restart')).faults[0]?.kind).toBe('rolling-restart');
    expect((await load('drain')).faults[0]?.kind).toBe('drain');
    const storm = await load('reconnect-storm');
    expect(storm.users.count).toBe(2000);
    expect(storm.faults).toStrictEqual([
      { atS: 10, kind: 'reconnect-storm', share: 1, jitter: true },
    ]);
    const herd = await load('reconnect-storm-no-jitter');
    expect(herd.faults).toStrictEqual([
      { atS: 10, kind: 'reconnect-storm', share: 1, jitter: false },
    ]);
    expect(herd.clients.reconnect.jitter).toBe(false);
    const hot = await load('hot-group');
    expect([hot.users.count, hot.workload.groups.count, hot.workload.groups.size]).toStrictEqual([
      1024, 1, 1024,
    ]);
    expect(hot.workload.groupShare).toBeGreaterThanOrEqual(0.5);
    expect((await load('slow-flaky-store')).faults.map((f) => f.kind)).toStrictEqual([
      'store-slow',
      'store-flaky',
      'store-outage',
    ]);
    const flaky = (await load('slow-flaky-store')).faults[1];
    expect(flaky?.kind === 'store-flaky' && flaky.indeterminateRate).toBeGreaterThan(0);
    const loss = (await load('link-loss')).faults;
    expect(loss.map((f) => (f.kind === 'partition' ? f.shape : f.kind))).toStrictEqual([
      'link-loss',
      'asymmetric',
    ]);
  });

  it.each(files)('%s: the commands its comment suggests run valid sweeps', async (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const commands = [...text.matchAll(/^#\s+npm run sim -- (.+)$/gm)].map((m) => m[1]!);
    for (const command of commands) {
      const args = parseSimArgs(command.replace(/'/g, '').split(/\s+/));
      expect(args.scenario).toBe(`simulations/scenarios/${file}`);
      const s = await loadScenario(join(dir, file));
      expect(expandSweeps(s, args.sweeps).length).toBeGreaterThan(1);
    }
  });
});
