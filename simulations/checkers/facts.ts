/**
 * Indexes over a run's `History`, built once and shared by every checker, the
 * series and the timeline (so each of them stays O(n log n) over ~10^6 events).
 *
 * Definitions every checker relies on (written once here):
 * - A message is identified by (sender user, id): `msgKey(user, id)`.
 * - Its *send* is the first `send` event for that key; its *sending device* is
 *   that event's device; its *conversation* is that send's `to`.
 * - It is *acked* once any `sent` event for the key exists; the *first sent*
 *   is the earliest one, and `order` ranks messages by first sent (0, 1, ...),
 *   the order guarantee 4 speaks of. Ties in time keep the events' order.
 * - Its *recipients* (devices): for `to: user:B`, every device of B plus every
 *   device of the sender other than the sending device (own copies, PROTOCOL
 *   guarantee 9); for `to: group:G`, every device of every member of G
 *   (`history.groups`, members at the end of the run) but the sending device.
 * - The *first delivery* of a message at a device is the earliest `deliver`
 *   event for (device, from, id); later ones are repeats.
 * - A device is *connected at the end* when its last `connect` comes after
 *   its last `disconnect` (in event order); a device never connected is not.
 *
 * Devices are those of `history.devices` plus any device seen in an event.
 * Facts are cached per History object (a WeakMap): callers may ask again.
 */
import { ErrorCode, ParleyError, quote } from '../../runtime/index.ts';
import type { History, HistoryEvent } from '../types.ts';

export type DeliverEvent = Extract<HistoryEvent, { k: 'deliver' }>;
export type ReceiptEvent = Extract<HistoryEvent, { k: 'receipt' }>;

export interface DeviceRef {
  readonly user: string;
  readonly device: string;
  /** `devKey(user, device)`. */
  readonly key: string;
}

export interface SendFact {
  readonly user: string;
  readonly device: string;
  readonly id: string;
  readonly to: string;
  readonly t: number;
}

export interface SentFact {
  readonly t: number;
  /** Rank among acked messages by first `sent` (0-based). */
  readonly order: number;
}

/** A device's connection from `fromMs` to `toMs` (undefined: still connected at the end). */
export interface Interval {
  readonly fromMs: number;
  toMs?: number;
}

export interface Facts {
  readonly history: History;
  /** First `send` per msgKey. */
  readonly sends: ReadonlyMap<string, SendFact>;
  /** First `sent` per msgKey. */
  readonly firstSent: ReadonlyMap<string, SentFact>;
  /** Every `deliver` event, in time order. */
  readonly deliveries: readonly DeliverEvent[];
  /** First delivery per `deliveryKey(devKey, from, id)`. */
  readonly firstDelivery: ReadonlyMap<string, DeliverEvent>;
  /** Per devKey, its first deliveries in time order. */
  readonly firstDeliveriesByDevice: ReadonlyMap<string, readonly DeliverEvent[]>;
  readonly receipts: readonly ReceiptEvent[];
  /** Every device by devKey. */
  readonly devices: ReadonlyMap<string, DeviceRef>;
  /** Devices of each user. */
  readonly devicesOf: ReadonlyMap<string, readonly DeviceRef[]>;
  readonly groupMembers: ReadonlyMap<string, readonly string[]>;
  /** Connection intervals per devKey. */
  readonly connections: ReadonlyMap<string, readonly Interval[]>;
  readonly connectedAtEnd: ReadonlySet<string>;
}

export const msgKey = (user: string, id: string): string => `${user}\u0000${id}`;
export const devKey = (user: string, device: string): string => `${user}\u0000${device}`;
export const deliveryKey = (device: string, from: string, id: string): string =>
  `${device}\u0000${from}\u0000${id}`;

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
  const sends = new Map<string, SendFact>();
  const firstSent = new Map<string, SentFact>();
  const deliveries: DeliverEvent[] = [];
  const firstDelivery = new Map<string, DeliverEvent>();
  const firstDeliveriesByDevice = new Map<string, DeliverEvent[]>();
  const receipts: ReceiptEvent[] = [];
  const devices = new Map<string, DeviceRef>();
  const devicesOf = new Map<string, DeviceRef[]>();
  const connections = new Map<string, Interval[]>();
  const connectedAtEnd = new Set<string>();

  const deviceOf = (user: string, device: string): DeviceRef => {
    const key = devKey(user, device);
    let ref = devices.get(key);
    if (ref === undefined) {
      ref = { user, device, key };
      devices.set(key, ref);
      let list = devicesOf.get(user);
      if (list === undefined) devicesOf.set(user, (list = []));
      list.push(ref);
    }
    return ref;
  };
  for (const d of history.devices) deviceOf(d.user, d.device);

  for (const e of history.events) {
    const dev = deviceOf(e.user, e.device);
    switch (e.k) {
      case 'send': {
        const key = msgKey(e.user, e.id);
        if (!sends.has(key))
          sends.set(key, { user: e.user, device: e.device, id: e.id, to: e.to, t: e.t });
        break;
      }
      case 'sent': {
        const key = msgKey(e.user, e.id);
        if (!firstSent.has(key)) firstSent.set(key, { t: e.t, order: firstSent.size });
        break;
      }
      case 'deliver': {
        deliveries.push(e);
        const key = deliveryKey(dev.key, e.from, e.id);
        if (!firstDelivery.has(key)) {
          firstDelivery.set(key, e);
          let list = firstDeliveriesByDevice.get(dev.key);
          if (list === undefined) firstDeliveriesByDevice.set(dev.key, (list = []));
          list.push(e);
        }
        break;
      }
      case 'receipt':
        receipts.push(e);
        break;
      case 'connect': {
        let list = connections.get(dev.key);
        if (list === undefined) connections.set(dev.key, (list = []));
        const last = list[list.length - 1];
        // A second welcome without a close in between continues the same connection.
        if (last === undefined || last.toMs !== undefined) list.push({ fromMs: e.t });
        connectedAtEnd.add(dev.key);
        break;
      }
      case 'disconnect': {
        const last = connections.get(dev.key)?.at(-1);
        if (last !== undefined && last.toMs === undefined) last.toMs = e.t;
        connectedAtEnd.delete(dev.key);
        break;
      }
      default:
        break;
    }
  }

  const groupMembers = new Map<string, readonly string[]>(Object.entries(history.groups));
  return {
    history,
    sends,
    firstSent,
    deliveries,
    firstDelivery,
    firstDeliveriesByDevice,
    receipts,
    devices,
    devicesOf,
    groupMembers,
    connections,
    connectedAtEnd,
  };
}

/** What a `to` (`user:ID` or `group:ID`) names; throws on anything else (a bug of the world). */
export function parseTo(to: string): { readonly kind: 'user' | 'group'; readonly id: string } {
  if (to.startsWith('user:')) return { kind: 'user', id: to.slice(5) };
  if (to.startsWith('group:')) return { kind: 'group', id: to.slice(6) };
  throw new ParleyError(
    ErrorCode.InvalidArgument,
    `history: a send's to must be "user:ID" or "group:ID", got ${quote(to)}`,
  );
}

const groupDevicesCache = new WeakMap<Facts, Map<string, readonly DeviceRef[]>>();

function groupDevices(facts: Facts, group: string): readonly DeviceRef[] {
  let byGroup = groupDevicesCache.get(facts);
  if (byGroup === undefined) groupDevicesCache.set(facts, (byGroup = new Map()));
  let list = byGroup.get(group);
  if (list === undefined) {
    const out: DeviceRef[] = [];
    for (const member of new Set(facts.groupMembers.get(group) ?? []))
      out.push(...(facts.devicesOf.get(member) ?? []));
    byGroup.set(group, (list = out));
  }
  return list;
}

/** The recipient devices of a message (see the module doc). */
export function recipientsOf(facts: Facts, send: SendFact): DeviceRef[] {
  const sending = devKey(send.user, send.device);
  const to = parseTo(send.to);
  if (to.kind === 'group') return groupDevices(facts, to.id).filter((d) => d.key !== sending);
  const out: DeviceRef[] = [];
  for (const d of facts.devicesOf.get(to.id) ?? []) if (d.key !== sending) out.push(d);
  if (to.id !== send.user)
    for (const d of facts.devicesOf.get(send.user) ?? []) if (d.key !== sending) out.push(d);
  return out;
}

/** The conversation of a delivered message: its send's `to`, else the frame's `conv`. */
export function convOf(facts: Facts, e: DeliverEvent): string {
  return facts.sends.get(msgKey(e.from, e.id))?.to ?? e.conv;
}

/** The first `max` examples of a failure (a report shows a few, not all). */
export class Examples<T> {
  readonly list: T[] = [];
  constructor(private readonly max = 5) {}
  push(example: T): void {
    if (this.list.length < this.max) this.list.push(example);
  }
}
