/**
 * The workload: each user sends as a Poisson process at
 * `messagesPerUserPerS`, from one of its devices, to a group it belongs to
 * (with `groupShare`) or to another user; some sends are preceded by
 * `typing`; devices subscribe to a few contacts' presence and mark about a
 * third of what they receive `read`. Every draw comes from the workload's
 * own seeded stream.
 */
import type { Random } from '../../runtime/index.ts';
import type { VirtualClock } from '../../runtime/testing/index.ts';
import type { HistoryEvent, Scenario } from '../types.ts';
import type { Device } from './devices.ts';
import { poissonGapMs } from './distributions.ts';

export interface WorkloadEnv {
  readonly clock: VirtualClock;
  readonly random: Random;
  readonly t0: number;
  readonly scenario: Scenario;
  readonly users: readonly string[];
  readonly devicesOf: ReadonlyMap<string, readonly Device[]>;
  readonly groupsOf: ReadonlyMap<string, readonly string[]>;
  readonly events: HistoryEvent[];
}

const READ_SHARE = 1 / 3;
const READ_DELAY_MS = 2000;

export function startWorkload(env: WorkloadEnv): void {
  const { clock, random, scenario } = env;
  const w = scenario.workload;
  const startMs = env.t0 + w.startS * 1000;
  const stopMs = env.t0 + w.stopS * 1000;
  for (const [user, devices] of env.devicesOf) {
    for (const d of devices) {
      const contacts: string[] = [];
      for (let i = 0; i < w.presenceContacts && env.users.length > 1; i++) {
        const other = env.users[random.int(env.users.length)]!;
        if (other !== user) contacts.push(other);
      }
      d.client.on('welcome', () => {
        if (contacts.length > 0) d.client.subscribePresence(contacts);
      });
      d.client.on('message', (m) => {
        if (m.from === user || random.next() >= READ_SHARE) return;
        clock.setTimer(READ_DELAY_MS, () => {
          d.client.markRead(m);
          env.events.push({
            k: 'read',
            t: clock.now() - env.t0,
            user,
            device: d.device,
            from: m.from,
            id: m.id,
          });
        });
      });
    }
    const next = (from: number) => {
      // Whole milliseconds: virtual time stays integral, as `ts` on the wire must be.
      const at = Math.ceil(from + poissonGapMs(w.messagesPerUserPerS, random));
      if (!(at < stopMs)) return;
      clock.setTimer(at - clock.now(), () => {
        sendOne(env, user, devices);
        next(at);
      });
    };
    next(startMs);
  }
}

function sendOne(env: WorkloadEnv, user: string, devices: readonly Device[]): void {
  const { random, scenario } = env;
  const d = devices[random.int(devices.length)]!;
  const groups = env.groupsOf.get(user) ?? [];
  let target: { to: string } | { group: string };
  if (groups.length > 0 && random.next() < scenario.workload.groupShare) {
    target = { group: groups[random.int(groups.length)]! };
  } else {
    if (env.users.length < 2) return;
    let other = env.users[random.int(env.users.length - 1)]!;
    if (other === user) other = env.users[env.users.length - 1]!;
    target = { to: other };
  }
  if (random.next() < scenario.workload.typingShare) d.client.typing(target, 'started');
  d.sent++;
  const id = `${d.device}.m${d.sent}`;
  env.events.push({
    k: 'send',
    t: env.clock.now() - env.t0,
    user,
    device: d.device,
    id,
    to: 'to' in target ? `user:${target.to}` : `group:${target.group}`,
  });
  d.client.send({ ...target, id, content: { type: 'text', body: `hello ${d.sent}` } }).catch(() => {
    // Refused for good (recorded from the error frame) or the client closed: nothing to do.
  });
}
