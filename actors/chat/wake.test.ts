import { describe, expect, it } from 'vitest';
import { Deterministic } from '../../runtime/testing/index.ts';
import { MemoryStore } from '../../store/index.ts';
import { RecordingDirectory } from '../edge/testing.ts';
import { ManualPlacement } from '../virtual/index.ts';
import { WakeOnGain } from './wake.ts';

async function setup() {
  const det = new Deterministic(Number(process.env.FC_SEED));
  const system = det.system({ node: 'n1' });
  const store = new MemoryStore();
  for (const key of ['user:a', 'user:b', 'user:c']) await store.markWake(key);
  const placement = new ManualPlacement((key) => (key === 'user:c' ? 'n2' : 'n1'));
  const directory = new RecordingDirectory();
  const waker = new WakeOnGain(system, store, directory, placement);
  const woken = () => directory.sent.filter((s) => s.msg.t === 'wake').map((s) => s.key);
  return { store, placement, directory, waker, woken };
}

describe('WakeOnGain', () => {
  it('wakes the listed keys it owns at start, then only those it gains in a view change', async () => {
    const w = await setup();
    await w.waker.start();
    expect(w.woken()).toEqual(['user:a', 'user:b']);
    w.placement.set(() => 'n1'); // gains c; a and b were owned all along
    await w.waker.idle();
    expect(w.woken()).toEqual(['user:a', 'user:b', 'user:c']);
  });

  it('wakes a key lost and regained between two passes', async () => {
    const w = await setup();
    await w.waker.start();
    w.placement.set((key) => (key === 'user:a' ? 'n2' : 'n1')); // a lost, c gained
    w.placement.set(() => 'n1'); // a back, before the pass ran
    await w.waker.idle();
    expect(w.woken().sort()).toEqual(['user:a', 'user:a', 'user:b', 'user:c']);
  });

  it('forgets keys that left the wake list, and stops listening on stop', async () => {
    const w = await setup();
    await w.waker.start();
    await w.store.clearWake('user:a');
    w.placement.set((key) => (key === 'user:c' ? 'n2' : 'n1'));
    await w.waker.idle();
    await w.store.markWake('user:a'); // new work for a, owned here all along: its actor marked it
    w.waker.stop();
    w.placement.set(() => 'n1');
    await w.waker.idle();
    expect(w.woken()).toEqual(['user:a', 'user:b']);
  });
});
