/**
 * Tests only: histories from a correct model of the server, for the property
 * and performance tests. The model keeps every guarantee the checkers judge:
 * each send is acked at once, then delivered to every recipient device that
 * is online, in send order, with the recipient user's next inbox seq (the same
 * on all its devices, one `issued` entry per inbox append); repeats re-deliver
 * an earlier message with its seq; receipts come in send order; a device that
 * leaves disconnects for good and gets nothing after. One fault window ends
 * half way through, and nothing acked before it is left undelivered.
 */
import type { History } from '../types.ts';
import { HistoryBuilder } from './test-history.ts';

export interface PlannedSend {
  /** User index (mod users); for a group send, a member index (mod members). */
  readonly from: number;
  /** Device index (mod the user's devices). */
  readonly device: number;
  /** The other user (an offset, never the sender itself) or the group index. */
  readonly to: number;
  readonly group: boolean;
  /** The recipient reads a 1:1 message (a `read` receipt follows its `delivered`). */
  readonly read: boolean;
}

export interface ModelPlan {
  /** Devices of each user (at least 2 users, each at least 1 device). */
  readonly devices: readonly number[];
  /** Member user indices (mod users) of each group. */
  readonly groups: readonly (readonly number[])[];
  readonly sends: readonly PlannedSend[];
  /** After send `after`, re-deliver one (`pick`) of the first deliveries device `device` got. */
  readonly repeats: readonly {
    readonly after: number;
    readonly device: number;
    readonly pick: number;
  }[];
  /** After send `after`, device `device` (a global index) disconnects for good. */
  readonly leaves: readonly { readonly after: number; readonly device: number }[];
}

/** A deterministic generator (tests only): the same plan every run. */
function lcg(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % n;
  };
}

/** A large plan (300 users, 20 groups of 8, a tenth of sends to groups), the same every run. */
export function bigPlan(sends: number): ModelPlan {
  const r = lcg(9);
  return {
    devices: Array.from({ length: 300 }, () => 1 + r(3)),
    groups: Array.from({ length: 20 }, () => Array.from({ length: 8 }, () => r(300))),
    sends: Array.from({ length: sends }, () => ({
      from: r(300),
      device: r(3),
      to: r(300),
      group: r(10) === 0,
      read: r(3) === 0,
    })),
    repeats: Array.from({ length: sends / 10 }, () => ({
      after: r(sends),
      device: r(600),
      pick: r(50),
    })),
    leaves: Array.from({ length: 30 }, () => ({ after: r(sends), device: r(600) })),
  };
}

interface Dev {
  readonly user: string;
  readonly device: string;
}

export function modelHistory(plan: ModelPlan): History {
  const users = plan.devices.map((_, i) => `u${i}`);
  const devicesOf = new Map(
    users.map((u, i) => [u, Array.from({ length: plan.devices[i]! }, (_, d) => `d${d}`)]),
  );
  const all: Dev[] = users.flatMap((user) =>
    devicesOf.get(user)!.map((device) => ({ user, device })),
  );
  const groups = plan.groups.map((members) => [
    ...new Set(members.map((m) => users[m % users.length]!)),
  ]);
  const b = new HistoryBuilder(
    Object.fromEntries(devicesOf),
    Object.fromEntries(groups.map((members, g) => [`g${g}`, members])),
  );
  b.at(0).connectAll();
  const online = new Set(all.map((d) => `${d.user}/${d.device}`));
  const got = new Map<string, { from: string; id: string; seq: number; conv: string }[]>();
  const inbox = new Map<string, number>();
  const repeatsAfter = groupBy(plan.repeats);
  const leavesAfter = groupBy(plan.leaves);

  plan.sends.forEach((s, i) => {
    const t = 10 * (i + 1);
    const members = s.group && groups.length > 0 ? groups[s.to % groups.length]! : undefined;
    const from = members ? members[s.from % members.length]! : users[s.from % users.length]!;
    const fromDevices = devicesOf.get(from)!;
    const device = fromDevices[s.device % fromDevices.length]!;
    const to = members
      ? `group:g${s.to % groups.length}`
      : `user:${users[(users.indexOf(from) + 1 + (s.to % (users.length - 1))) % users.length]}`;
    if (online.has(`${from}/${device}`)) {
      const id = `m${i}`;
      b.at(t)
        .send(from, device, id, to)
        .at(t + 1)
        .sent(from, device, id)
        .at(t + 2);
      const peer = to.slice(5);
      const recipients = members ?? [peer, from];
      const reached: string[] = [];
      for (const user of recipients) {
        const seq = (inbox.get(user) ?? 0) + 1;
        inbox.set(user, seq);
        b.issue(user, seq, `${from}/${id}`);
        const conv = members ? to : user === from ? to : `user:${from}`;
        for (const d of devicesOf.get(user)!) {
          if ((user === from && d === device) || !online.has(`${user}/${d}`)) continue;
          b.deliver(user, d, from, id, seq, conv);
          list(got, `${user}/${d}`).push({ from, id, seq, conv });
          if (user !== from && !reached.includes(user)) reached.push(user);
        }
      }
      b.at(t + 3);
      for (const by of reached)
        b.receipt(from, device, id, by, 'delivered', members ? to.slice(6) : undefined);
      if (!members && s.read && reached.includes(peer)) {
        const reader = devicesOf.get(peer)!.find((d) => online.has(`${peer}/${d}`))!;
        b.at(t + 4)
          .read(peer, reader, from, id)
          .at(t + 5)
          .receipt(from, device, id, peer, 'read');
      }
    }
    b.at(t + 6);
    for (const r of repeatsAfter.get(i) ?? []) {
      const d = all[r.device % all.length]!;
      const seen = got.get(`${d.user}/${d.device}`) ?? [];
      if (seen.length === 0 || !online.has(`${d.user}/${d.device}`)) continue;
      const m = seen[r.pick % seen.length]!;
      b.deliver(d.user, d.device, m.from, m.id, m.seq, m.conv);
    }
    b.at(t + 7);
    for (const l of leavesAfter.get(i) ?? []) {
      const d = all[l.device % all.length]!;
      if (online.delete(`${d.user}/${d.device}`)) b.disconnect(d.user, d.device);
    }
  });
  const endMs = 10 * (plan.sends.length + 2);
  b.fault(5, 10 * Math.ceil(plan.sends.length / 2) + 5);
  b.counters = {
    busMessages: 3 * plan.sends.length,
    storeCalls: 2 * plan.sends.length,
    actorMessages: 9,
  };
  return b.at(endMs).build(endMs);
}

function groupBy<T extends { readonly after: number }>(items: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) list(out, item.after).push(item);
  return out;
}

function list<K, V>(map: Map<K, V[]>, key: K): V[] {
  let l = map.get(key);
  if (l === undefined) map.set(key, (l = []));
  return l;
}
