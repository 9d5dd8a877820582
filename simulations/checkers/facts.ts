/**
 * Indexes over a run's `History`, built once and shared by every checker, the
 * series and the timeline, so that each stays O(n log n) over ~10^6 events.
 * Users, devices and messages are numbered on first sight (nested maps of the
 * events' own strings, no key strings built per event), and the checkers work
 * on those numbers.
 *
 * Definitions every checker relies on (written once here):
 * - A message is identified by (sender user, id).
 * - Its *send* is the first `send` event for it; its *sending device* is that
 *   event's device; its *conversation* is that send's `to`.
 * - It is *acked* once any `sent` event for it exists; the *first sent* is the
 *   earliest, and `order` ranks messages by first sent (0, 1, ...), the order
 *   guarantee 4 speaks of. Ties in time keep the events' order.
 * - Its *recipients* are the devices `recipients.ts` names.
 * - The *first delivery* of a message at a device is the earliest `deliver`
 *   event for (device, from, id); later ones are repeats.
 * - A device is *connected at the end* when its last `connect` comes after
 *   its last `disconnect` (in event order); a device never connected is not.
 *
 * Devices are those of `history.devices` plus any device seen in an event.
 * Facts are cached per History object (a WeakMap): callers may ask again, and a
 * History is judged as it was when first asked (do not append to it afterwards).
 */
import type { History, HistoryEvent } from '../types.ts';

export type DeliverEvent = Extract<HistoryEvent, { k: 'deliver' }>;
export type ReceiptEvent = Extract<HistoryEvent, { k: 'receipt' }>;

export interface DeviceRef {
  readonly index: number;
  readonly user: string;
  readonly userIndex: number;
  readonly device: string;
}

export interface SendFact {
  readonly device: string;
  /** The sending device's index. */
  readonly deviceIndex: number;
  readonly to: string;
  readonly t: number;
}

export interface SentFact {
  readonly t: number;
  /** Rank among acked messages by first `sent` (0-based). */
  readonly order: number;
}

export interface Message {
  readonly index: number;
  /** The sender. */
  readonly user: string;
  readonly userIndex: number;
  readonly id: string;
  /** The first send; undefined: no `send` event (never seen from the app). */
  send?: SendFact;
  /** The first `sent`; undefined: never acked. */
  sent?: SentFact;
}

/** A device's connection from `fromMs` to `toMs` (undefined: still connected at the end). */
export interface Interval {
  readonly fromMs: number;
  toMs?: number;
}

export interface Facts {
  readonly history: History;
  readonly users: readonly string[];
  readonly devices: readonly DeviceRef[];
  /** Devices of each user, by user index. */
  readonly devicesOf: readonly (readonly DeviceRef[])[];
  /** Every message, by index. */
  readonly messages: readonly Message[];
  /** Messages with a send, in first-send order. */
  readonly sends: readonly Message[];
  /** Acked messages in first-sent order (`acked[i].sent.order === i`). */
  readonly acked: readonly Message[];
  /** Every `deliver` event in time order, with its message and device index. */
  readonly deliveries: readonly DeliverEvent[];
  readonly deliveryMessage: Int32Array;
  readonly deliveryDevice: Int32Array;
  /** Per device index: message index → its first delivery there. */
  readonly firstAt: readonly Map<number, DeliverEvent>[];
  /** Per device index: message indexes of its first deliveries, in time order. */
  readonly firstOrderAt: readonly (readonly number[])[];
  /** Per device index: its first deliveries, in time order (aligned with `firstOrderAt`). */
  readonly firstEventsAt: readonly (readonly DeliverEvent[])[];
  /** Every `receipt` event in time order, with its message (sender, id) and device index. */
  readonly receipts: readonly ReceiptEvent[];
  readonly receiptMessage: Int32Array;
  readonly receiptDevice: Int32Array;
  /** Per device index: 1 when connected at the end. */
  readonly connectedAtEnd: Uint8Array;
  /** Per device index: its connection intervals. */
  readonly connections: readonly (readonly Interval[])[];
  readonly groupMembers: ReadonlyMap<string, readonly string[]>;
  /** The message (sender `user`, `id`), if the history mentions it. */
  message(user: string, id: string): Message | undefined;
  userIndex(user: string): number | undefined;
  /** A device's index, if known. */
  deviceIndex(user: string, device: string): number | undefined;
}

const cache = new WeakMap<History, Facts>();

/** The facts of `history`, built on first use. */
export function factsOf(history: History): Facts {
  let facts = cache.get(history);
  if (facts === undefined) {
    facts = build(history);
    cache.set(history, facts);
  }
  return facts;
}

function build(history: History): Facts {
  const users: string[] = [];
  const userIdx = new Map<string, number>();
  const devices: DeviceRef[] = [];
  const devicesOf: DeviceRef[][] = [];
  const devIdx: Map<string, number>[] = [];
  const messages: Message[] = [];
  const msgIdx: Map<string, number>[] = [];
  const firstAt: Map<number, DeliverEvent>[] = [];
  const firstOrderAt: number[][] = [];
  const firstEventsAt: DeliverEvent[][] = [];
  const connections: Interval[][] = [];
  const connected: boolean[] = [];

  const userOf = (user: string): number => {
    let u = userIdx.get(user);
    if (u === undefined) {
      u = users.length;
      userIdx.set(user, u);
      users.push(user);
      devicesOf.push([]);
      devIdx.push(new Map());
      msgIdx.push(new Map());
    }
    return u;
  };
  const deviceOf = (user: string, device: string): number => {
    const u = userOf(user);
    let d = devIdx[u]!.get(device);
    if (d === undefined) {
      d = devices.length;
      devIdx[u]!.set(device, d);
      const ref = { index: d, user, userIndex: u, device };
      devices.push(ref);
      devicesOf[u]!.push(ref);
      firstAt.push(new Map());
      firstOrderAt.push([]);
      firstEventsAt.push([]);
      connections.push([]);
      connected.push(false);
    }
    return d;
  };
  const messageOf = (user: string, id: string): Message => {
    const u = userOf(user);
    let m = msgIdx[u]!.get(id);
    if (m === undefined) {
      m = messages.length;
      msgIdx[u]!.set(id, m);
      messages.push({ index: m, user, userIndex: u, id, send: undefined, sent: undefined });
    }
    return messages[m]!;
  };
  for (const d of history.devices) deviceOf(d.user, d.device);

  const sends: Message[] = [];
  const acked: Message[] = [];
  const deliveries: DeliverEvent[] = [];
  const deliveryMessage: number[] = [];
  const deliveryDevice: number[] = [];
  const receipts: ReceiptEvent[] = [];
  const receiptMessage: number[] = [];
  const receiptDevice: number[] = [];
  for (const e of history.events) {
    const d = deviceOf(e.user, e.device);
    switch (e.k) {
      case 'send': {
        const m = messageOf(e.user, e.id);
        if (m.send === undefined) {
          m.send = { device: e.device, deviceIndex: d, to: e.to, t: e.t };
          sends.push(m);
        }
        break;
      }
      case 'sent': {
        const m = messageOf(e.user, e.id);
        if (m.sent === undefined) {
          m.sent = { t: e.t, order: acked.length };
          acked.push(m);
        }
        break;
      }
      case 'deliver': {
        const m = messageOf(e.from, e.id).index;
        deliveries.push(e);
        deliveryMessage.push(m);
        deliveryDevice.push(d);
        const first = firstAt[d]!;
        if (!first.has(m)) {
          first.set(m, e);
          firstOrderAt[d]!.push(m);
          firstEventsAt[d]!.push(e);
        }
        break;
      }
      case 'receipt':
        receipts.push(e);
        receiptMessage.push(messageOf(e.user, e.id).index);
        receiptDevice.push(d);
        break;
      case 'connect': {
        const list = connections[d]!;
        const last = list[list.length - 1];
        // A second welcome without a close in between continues the same connection.
        if (last === undefined || last.toMs !== undefined) list.push({ fromMs: e.t });
        connected[d] = true;
        break;
      }
      case 'disconnect': {
        const last = connections[d]!.at(-1);
        if (last !== undefined && last.toMs === undefined) last.toMs = e.t;
        connected[d] = false;
        break;
      }
      default:
        break;
    }
  }

  return {
    history,
    users,
    devices,
    devicesOf,
    messages,
    sends,
    acked,
    deliveries,
    deliveryMessage: Int32Array.from(deliveryMessage),
    deliveryDevice: Int32Array.from(deliveryDevice),
    firstAt,
    firstOrderAt,
    firstEventsAt,
    receipts,
    receiptMessage: Int32Array.from(receiptMessage),
    receiptDevice: Int32Array.from(receiptDevice),
    connectedAtEnd: Uint8Array.from(connected, (c) => (c ? 1 : 0)),
    connections,
    groupMembers: new Map(Object.entries(history.groups)),
    message(user, id) {
      const u = userIdx.get(user);
      const m = u === undefined ? undefined : msgIdx[u]!.get(id);
      return m === undefined ? undefined : messages[m];
    },
    userIndex: (user) => userIdx.get(user),
    deviceIndex(user, device) {
      const u = userIdx.get(user);
      return u === undefined ? undefined : devIdx[u]!.get(device);
    },
  };
}

/** The first `max` examples of a failure (a report shows a few, not all). */
export class Examples<T> {
  readonly list: T[] = [];
  constructor(private readonly max = 5) {}
  push(example: T): void {
    if (this.list.length < this.max) this.list.push(example);
  }
}
