import { describe, expect, it } from 'vitest';
import { ClusterPlacement, type MembershipLike } from './cluster-placement.ts';
import type { MemberInfo, View } from './membership-core.ts';
import { ShardMap } from './placement.ts';
import { shardOf } from './shards.ts';

const member = (node: string, status: MemberInfo['status'] = 'up', creation = 1): MemberInfo => ({
  node,
  creation,
  status,
  startedAt: 0,
});

/** A membership whose view and isolation the test sets by hand. */
class FakeMembership implements MembershipLike {
  current: View = { version: 0, members: [] };
  isIsolated = false;
  private readonly changes = new Set<(v: View, p: View) => void>();
  private readonly isolation = new Set<(i: boolean) => void>();
  constructor(private readonly me: MemberInfo) {}
  view = () => this.current;
  isolated = () => this.isIsolated;
  self = () => this.me;
  onChange(l: (v: View, p: View) => void) {
    this.changes.add(l);
    return () => this.changes.delete(l);
  }
  onIsolation(l: (i: boolean) => void) {
    this.isolation.add(l);
    return () => this.isolation.delete(l);
  }
  setMembers(members: MemberInfo[]) {
    const previous = this.current;
    this.current = { version: previous.version + 1, members };
    for (const l of this.changes) l(this.current, previous);
  }
  setIsolated(isolated: boolean) {
    this.isIsolated = isolated;
    for (const l of this.isolation) l(isolated);
  }
}

describe('ClusterPlacement', () => {
  it('answers no owner before its first view that includes itself', () => {
    const m = new FakeMembership(member('a'));
    const p = new ClusterPlacement(m);
    expect(p.owner('user:alice')).toBeUndefined();
    m.setMembers([member('b')]);
    expect(p.owner('user:alice')).toBeUndefined();
    expect(p.ready()).toBe(false);
    m.setMembers([member('a'), member('b')]);
    expect(p.ready()).toBe(true);
    expect(p.owner('user:alice')).toBe(ShardMap.build(['a', 'b']).ownerOf('user:alice'));
  });

  it('does not count an older incarnation of itself as itself', () => {
    const m = new FakeMembership(member('a', 'up', 2));
    const p = new ClusterPlacement(m);
    m.setMembers([member('a', 'up', 1), member('b')]);
    expect(p.owner('user:alice')).toBeUndefined();
  });

  it('answers no owner while isolated, and again once reconnected, notifying each flip', () => {
    const m = new FakeMembership(member('a'));
    const p = new ClusterPlacement(m);
    m.setMembers([member('a'), member('b')]);
    let calls = 0;
    p.onChange(() => calls++);
    m.setIsolated(true);
    expect(p.owner('k')).toBeUndefined();
    expect(p.shardMap().nodes).toEqual(['a', 'b']);
    m.setIsolated(false);
    expect(p.owner('k')).toBeDefined();
    expect(calls).toBe(2);
  });

  it('expects a handoff of a gained key only while its previous owner is still a member', () => {
    const m = new FakeMembership(member('a'));
    const p = new ClusterPlacement(m);
    m.setMembers([member('a'), member('b'), member('c')]);
    const keys = Array.from({ length: 200 }, (_, i) => `user:${i}`);
    const ofB = keys.filter((k) => p.owner(k) === 'b');
    expect(ofB.length).toBeGreaterThan(0);
    // b drains: still a member, its keys move and a handoff will come.
    m.setMembers([member('a'), member('b', 'draining'), member('c')]);
    for (const k of ofB) expect(p.handoffExpected(k)).toBe(true);
    // b back up, then crashes (down: gone from the view): nothing will come.
    m.setMembers([member('a'), member('b'), member('c')]);
    m.setMembers([member('a'), member('c')]);
    for (const k of ofB) expect(p.handoffExpected(k)).toBe(false);
    // A key that stayed where it was, or with no previous owner known: wait (unchanged).
    const ofA = keys.filter((k) => p.owner(k) === 'a' && !ofB.includes(k));
    for (const k of ofA) expect(p.handoffExpected(k)).toBe(true);
    expect(new ClusterPlacement(m).handoffExpected('user:1')).toBe(true);
  });

  it('gives draining and leaving members no shards', () => {
    const m = new FakeMembership(member('a'));
    const p = new ClusterPlacement(m);
    m.setMembers([member('a', 'draining'), member('b'), member('c', 'leaving')]);
    expect(p.shardMap().nodes).toEqual(['b']);
    expect(p.owner('user:alice')).toBe('b');
    m.setMembers([member('a', 'draining')]);
    expect(p.owner('user:alice')).toBeUndefined();
  });

  it('notifies only when shard owners change, and stops after unsubscribe', () => {
    const m = new FakeMembership(member('a'));
    const p = new ClusterPlacement(m);
    const seen: string[][] = [];
    const off = p.onChange(() => seen.push([...p.shardMap().nodes]));
    m.setMembers([member('a')]);
    m.setMembers([{ ...member('a'), http: 'http://x' }]);
    m.setMembers([member('a'), member('b')]);
    m.setMembers([member('a'), member('b')]);
    off();
    m.setMembers([member('a')]);
    expect(seen).toEqual([['a'], ['a', 'b']]);
  });

  it('uses the configured shard count', () => {
    const m = new FakeMembership(member('a'));
    const p = new ClusterPlacement(m, { shardCount: 16 });
    expect(p.shardOf('user:alice')).toBe(shardOf('user:alice', 16));
    expect(p.shardMap().shardCount).toBe(16);
    expect(() => new ClusterPlacement(m, { shardCount: 0 })).toThrow(
      'shard count must be an integer in [1, 65536], got 0',
    );
  });

  it('runs every listener even when one throws, then rethrows the first error', () => {
    const m = new FakeMembership(member('a'));
    const p = new ClusterPlacement(m);
    let ran = 0;
    p.onChange(() => {
      throw new Error('boom');
    });
    p.onChange(() => ran++);
    expect(() => m.setMembers([member('a')])).toThrow('boom');
    expect(ran).toBe(1);
  });
});
