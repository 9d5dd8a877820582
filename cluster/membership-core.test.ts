import { describe, expect, it } from 'vitest';
import { resolveDetectorOptions } from './detector-options.ts';
import { type MemberInfo, MembershipCore } from './membership-core.ts';

const T0 = 1_700_000_000_000;
const info = (node: string, creation = 1, status: MemberInfo['status'] = 'up'): MemberInfo => ({
  node,
  creation,
  status,
  startedAt: T0,
});
const names = (core: MembershipCore) => core.view().members.map((m) => `${m.node}@${m.creation}`);

describe('MembershipCore, step by step', () => {
  it('adds itself when its own heartbeat comes back, and others when heard', () => {
    const core = new MembershipCore(info('a'), T0);
    expect(core.view()).toEqual({ version: 0, members: [] });
    const s1 = core.heartbeat(info('a'), T0 + 1);
    expect(s1.change?.added).toEqual([info('a')]);
    expect(core.heartbeat(info('b'), T0 + 2).change?.view.version).toBe(2);
    expect(names(core)).toEqual(['a@1', 'b@1']);
    expect(core.heartbeat(info('b'), T0 + 3)).toEqual({});
  });

  it('replaces an older incarnation, ignores an older one, and tombstones a left one', () => {
    const core = new MembershipCore(info('a'), T0);
    core.heartbeat(info('b', 1), T0);
    const s = core.heartbeat(info('b', 2), T0 + 1);
    expect(s.change?.removed).toEqual([{ member: info('b', 1), reason: 'replaced' }]);
    expect(s.change?.added).toEqual([info('b', 2)]);
    expect(core.heartbeat(info('b', 1), T0 + 2)).toEqual({});
    const left = core.leave('b', 2, T0 + 3);
    expect(left.change?.removed).toEqual([{ member: info('b', 2), reason: 'left' }]);
    expect(core.heartbeat(info('b', 2), T0 + 4)).toEqual({});
    expect(core.stats.staleHeartbeats).toBe(2);
    expect(core.heartbeat(info('b', 3), T0 + 5).change?.added).toEqual([info('b', 3)]);
  });

  it('reports a status change of a member as an update', () => {
    const core = new MembershipCore(info('a'), T0);
    core.heartbeat(info('b'), T0);
    const s = core.heartbeat(info('b', 1, 'draining'), T0 + 1);
    expect(s.change?.updated).toEqual([{ from: info('b'), to: info('b', 1, 'draining') }]);
  });

  it('fast-downs a suspect on a probe answered "no responders", and only when safe', () => {
    const core = new MembershipCore(info('a'), T0);
    core.heartbeat(info('b'), T0);
    core.heartbeat(info('c'), T0);
    let t = T0;
    const run = (untilMs: number) => {
      while (t < untilMs) {
        t += 100;
        core.heartbeat(info('a'), t);
        core.heartbeat(info('c'), t);
        core.tick(t);
      }
    };
    run(T0 + 900);
    // Not yet suspect (900 ms of silence < suspectAfterMs 1000): ignored.
    expect(core.suspects()).toEqual([]);
    expect(core.unreachable('b', 1, t)).toEqual({});
    run(T0 + 1000);
    expect(core.suspects()).toEqual([{ node: 'b', creation: 1 }]);
    // Another incarnation than the one probed, or ourselves: ignored.
    expect(core.unreachable('b', 2, t)).toEqual({});
    expect(core.unreachable('a', 1, t)).toEqual({});
    const step = core.unreachable('b', 1, t + 5);
    expect(step.change?.removed).toEqual([{ member: info('b'), reason: 'down' }]);
    expect(names(core)).toEqual(['a@1', 'c@1']);
    expect(core.stats).toMatchObject({ downs: 1, fastDowns: 1 });
    // Heard again: a rejoin, as for any down verdict.
    core.heartbeat(info('b'), t + 10);
    expect(core.stats.rejoins).toBe(1);
  });

  it('ignores "no responders" while its own echo is stale, isolated, or just after a late tick', () => {
    const core = new MembershipCore(info('a'), T0);
    core.heartbeat(info('b'), T0);
    let t = T0;
    for (; t < T0 + 1200; t += 100) {
      core.heartbeat(info('a'), t);
      core.tick(t);
    }
    // Our echo stops (we are the one reconnecting): 800 ms later it is stale.
    for (const end = t + 800; t < end; t += 100) core.tick(t);
    expect(core.unreachable('b', 1, t)).toEqual({});
    // The echo is back: silences restart from 0, b is no suspect any more.
    core.heartbeat(info('a'), t);
    expect(core.unreachable('b', 1, t)).toEqual({});
    for (const end = t + 1100; t < end; t += 100) {
      core.heartbeat(info('a'), t);
      core.tick(t);
    }
    expect(core.suspects()).toEqual([{ node: 'b', creation: 1 }]);
    // No tick for longer than the tolerance: we may be paused right now.
    expect(core.unreachable('b', 1, t - 100 + 400)).toEqual({});
    // A late tick (our process paused 1 s): its grace period holds the verdict back.
    t += 1000;
    core.heartbeat(info('a'), t);
    core.tick(t);
    expect(core.unreachable('b', 1, t + 10)).toEqual({});
    for (let i = 0; i < 5; i++) {
      t += 100;
      core.heartbeat(info('a'), t);
      core.tick(t);
    }
    expect(names(core)).toEqual(['a@1', 'b@1']);
    expect(core.unreachable('b', 1, t + 10).change?.removed).toEqual([
      { member: info('b'), reason: 'down' },
    ]);
    expect(core.stats.fastDowns).toBe(1);
  });

  it('declares a silent member down after downAfterMs and not before', () => {
    const core = new MembershipCore(info('a'), T0);
    core.heartbeat(info('b'), T0);
    let t = T0;
    let downAt: number | undefined;
    while (downAt === undefined && t < T0 + 5000) {
      t += 100;
      // Our own echo keeps arriving: we are connected and judging.
      core.heartbeat(info('a'), t);
      const step = core.tick(t);
      if (step.change?.removed.some((r) => r.member.node === 'b' && r.reason === 'down'))
        downAt = t;
    }
    expect(downAt).toBe(T0 + 2000);
    expect(core.stats.suspicions).toBe(1);
    // Heard again with the same creation: it rejoins, counted.
    core.heartbeat(info('b'), t + 1);
    expect(core.stats.rejoins).toBe(1);
  });

  it('does not declare others down on a late tick or in the grace period after it', () => {
    const core = new MembershipCore(info('a'), T0);
    core.heartbeat(info('b'), T0);
    core.heartbeat(info('a'), T0);
    // We were paused for 5 s: the tick is late, nothing is declared.
    expect(core.tick(T0 + 5000)).toEqual({});
    expect(core.stats.lateTicks).toBe(1);
    expect(core.isolated()).toBe(false);
    // The heartbeats queued during the pause are read now.
    core.heartbeat(info('a'), T0 + 5001);
    core.heartbeat(info('b'), T0 + 5001);
    expect(core.tick(T0 + 5100)).toEqual({});
    expect(names(core)).toEqual(['a@1', 'b@1']);
  });

  it('reads heartbeats that queued while it was paused before judging anyone (grace)', () => {
    const core = new MembershipCore(info('a'), T0);
    core.heartbeat(info('b'), T0);
    for (let t = T0 + 100; t <= T0 + 1800; t += 100) {
      core.heartbeat(info('a'), t);
      core.tick(t);
    }
    // b's next heartbeat (sent at +1900) queues while we are paused from +1800 to +4000. On the
    // late tick b's silence is 1800 + 300 credited: over downAfterMs, yet b is not declared.
    expect(core.tick(T0 + 4000)).toEqual({});
    expect(core.stats.downsDeferred).toBe(1);
    core.heartbeat(info('a'), T0 + 4001);
    core.heartbeat(info('b'), T0 + 4001);
    expect(core.tick(T0 + 4100)).toEqual({});
    expect(names(core)).toEqual(['a@1', 'b@1']);
  });

  it('still detects a dead member when every tick is late (an overloaded process)', () => {
    const core = new MembershipCore(info('a'), T0);
    core.heartbeat(info('b'), T0);
    let downAt: number | undefined;
    for (let t = T0 + 400; t < T0 + 20_000 && downAt === undefined; t += 400) {
      core.heartbeat(info('a'), t);
      if (core.tick(t).change?.removed[0]?.member.node === 'b') downAt = t;
    }
    // Each 400 ms gap is credited 300 ms: b is removed after 2000 ms of credit (+ the deferral).
    expect(downAt).toBeDefined();
    expect(downAt! - T0).toBeLessThanOrEqual(6000);
    expect(core.stats.lateTicks).toBeGreaterThan(5);
  });

  it('turns isolated when its own heartbeat stops coming back, and stops judging others', () => {
    const core = new MembershipCore(info('a'), T0);
    core.heartbeat(info('a'), T0);
    core.heartbeat(info('b'), T0);
    const flips: boolean[] = [];
    for (let t = T0 + 100; t <= T0 + 6000; t += 100) {
      const step = core.tick(t);
      if (step.isolated !== undefined) flips.push(step.isolated);
      if (step.isolated === true) expect(t).toBe(T0 + 2000);
    }
    expect(flips).toEqual([true]);
    // b was silent as long as we were cut off, but we cannot tell whose fault: b stays.
    expect(names(core)).toEqual(['a@1', 'b@1']);
    expect(core.heartbeat(info('a'), T0 + 6001).isolated).toBe(false);
    // Back online, b gets a full downAfterMs from now.
    for (let t = T0 + 6100; t < T0 + 8000; t += 100) {
      core.heartbeat(info('a'), t);
      expect(core.tick(t).change).toBeUndefined();
    }
  });

  it('applies its own status change to its view entry at once', () => {
    const core = new MembershipCore(info('a'), T0);
    core.heartbeat(info('a'), T0);
    const s = core.setSelf(info('a', 1, 'draining'));
    expect(s.change?.view.members).toEqual([info('a', 1, 'draining')]);
    // An echo of a heartbeat sent before the change does not undo it.
    expect(core.heartbeat(info('a'), T0 + 1)).toEqual({});
    expect(() => core.setSelf(info('z'))).toThrow(
      'membership setSelf may change status and addresses only, got node "z" creation 1',
    );
  });

  it('leaves its own view on its own leave and ignores every later input', () => {
    const core = new MembershipCore(info('a'), T0);
    core.heartbeat(info('a'), T0);
    core.heartbeat(info('b'), T0);
    expect(core.leave('a', 1, T0 + 1).change?.removed).toEqual([
      { member: info('a'), reason: 'left' },
    ]);
    expect(core.left()).toBe(true);
    expect(core.heartbeat(info('c'), T0 + 2)).toEqual({});
    expect(core.tick(T0 + 10_000)).toEqual({});
  });

  it('rejects bad options, naming them', () => {
    expect(() => resolveDetectorOptions({ heartbeatMs: 0 })).toThrow(
      'membership heartbeatMs must be a positive integer, got 0',
    );
    expect(() => resolveDetectorOptions({ downAfterMs: 400 })).toThrow(
      'membership downAfterMs must be at least 2 * heartbeatMs (500), got 400',
    );
    expect(() => resolveDetectorOptions({ tickMs: 300 })).toThrow(
      'membership tickMs must be at most heartbeatMs (250), got 300',
    );
    expect(() => resolveDetectorOptions({ suspectAfterMs: 2000 })).toThrow(
      expect.objectContaining({ code: 'invalid_argument' }),
    );
    expect(resolveDetectorOptions()).toEqual({
      heartbeatMs: 250,
      downAfterMs: 2000,
      tickMs: 100,
      suspectAfterMs: 1000,
      pauseToleranceMs: 200,
      graceMs: 500,
      echoFreshMs: 750,
    });
  });
});
