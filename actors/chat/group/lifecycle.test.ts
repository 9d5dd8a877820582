import { describe, expect, it } from 'vitest';
import { DEFAULT_CHAT_CONFIG } from '../env.ts';
import { groupKey } from '../messages.ts';
import { groupWorld } from './test-world.ts';

const { tickMs, quietMs, idlePassivateMs, resendIntervalMs } = DEFAULT_CHAT_CONFIG;
const text = (body: string) => ({ type: 'text', body }) as const;

/** Alice and bob connected, in a group; alice posted `g1` and everyone confirmed; then quiet. */
async function quietGroup() {
  const w = groupWorld();
  const alice = w.connect('alice');
  const bob = w.connect('bob');
  await w.det.settle();
  const group = await w.createGroup(alice, ['bob']);
  alice.send({ type: 'message', id: 'g1', group, content: text('one') });
  await w.det.settle();
  await w.det.advance(quietMs + 3 * tickMs);
  return { w, alice, bob, group };
}

describe('group actor lifecycle', () => {
  it('an idle group keeps only its passivation wake-up, and the next routed message starts the tick again', async () => {
    const { w, alice, group } = await quietGroup();
    // The connected user actors keep no timer; the group only the wake-up for its passivation.
    const wakeAt = w.det.clock.nextTimerAt()!;
    expect(wakeAt - w.det.clock.now()).toBeGreaterThan(10 * tickMs);
    const headReads = w.count('groupHistory', group);
    await w.det.advance(10 * tickMs);
    expect(w.count('groupHistory', group)).toBe(headReads);
    alice.send({ type: 'typing', group, status: 'started' });
    await w.det.settle();
    expect(w.det.clock.nextTimerAt()).toBe(w.det.clock.now() + tickMs);
    // That first tick learns the log's head again.
    await w.det.advance(tickMs);
    expect(w.count('groupHistory', group)).toBe(headReads + 1);
  });

  it('a woken idle group learns an entry a newer incarnation appended and resends it to members', async () => {
    const { w, bob, group } = await quietGroup();
    // A newer incarnation elsewhere (a partition) appended g2; this one saw nothing of it.
    const epoch = await w.memory.acquireEpoch(groupKey(group));
    await w.memory.appendGroupLog(group, epoch, [
      { key: 'alice/g2', from: 'alice', id: 'g2', ts: 1, content: text('two'), device: 'd1' },
    ]);
    w.directory.send(groupKey(group), { t: 'wake' });
    await w.det.advance(tickMs + resendIntervalMs);
    const got = bob.frames().filter((f) => f.type === 'message');
    expect(got.map((f) => f.id)).toEqual(['g1', 'g2']);
  });

  it('an idle group learns such an entry on its passivation wake-up, resends it instead of passivating', async () => {
    const { w, bob, group } = await quietGroup();
    const epoch = await w.memory.acquireEpoch(groupKey(group));
    await w.memory.appendGroupLog(group, epoch, [
      { key: 'alice/g2', from: 'alice', id: 'g2', ts: 1, content: text('two'), device: 'd1' },
    ]);
    await w.det.advance(idlePassivateMs);
    const got = bob.frames().filter((f) => f.type === 'message');
    expect(got.map((f) => f.id)).toEqual(['g1', 'g2']);
    expect(w.count('acquireEpoch', groupKey(group))).toBe(1);
  });

  it('an idle group passivates, writing its cursors, and comes back from the store on the next post', async () => {
    const { w, alice, bob, group } = await quietGroup();
    await w.det.advance(idlePassivateMs);
    expect(await w.memory.cursors(groupKey(group))).toEqual({ alice: 1, bob: 1 });
    expect(w.det.clock.nextTimerAt()).toBeUndefined();
    alice.send({ type: 'message', id: 'g3', group, content: text('three') });
    await w.det.settle();
    expect(w.count('acquireEpoch', groupKey(group))).toBe(2);
    const got = bob.frames().filter((f) => f.type === 'message');
    expect(got.map((f) => [f.id, f.gseq])).toEqual([
      ['g1', 1],
      ['g3', 2],
    ]);
  });
});
