/**
 * The order in which a user actor stored one device's messages, told to the
 * edge with each `sent` ack (`prior`: the id stored just before it from that
 * device), so the edge gives the client its acks in that order even when one
 * is lost with a broken link: guarantee 4 says recipients get a sender's
 * messages in the order of its `sent` acks, and they get them in store order.
 * Bounded per device (the oldest ids are forgotten); in memory only (a new
 * incarnation starts without a predecessor).
 */
import { SmallMap } from '../../runtime/index.ts';

export class AckOrder {
  private readonly devices = new SmallMap<
    string,
    { last: string | undefined; priors: Map<string, string | undefined> }
  >();

  constructor(private readonly max = 256) {}

  /** The predecessor of `id`, a message just stored (or stored before) from `device`; records it when new. */
  stored(device: string, id: string): string | undefined {
    let d = this.devices.get(device);
    if (d === undefined) this.devices.set(device, (d = { last: undefined, priors: new Map() }));
    if (d.priors.has(id)) return d.priors.get(id);
    const prior = d.last;
    d.priors.set(id, prior);
    d.last = id;
    if (d.priors.size > this.max) d.priors.delete(d.priors.keys().next().value!);
    return prior;
  }

  /** The predecessor of `id` if this incarnation stored it, without recording anything. */
  known(device: string, id: string): string | undefined {
    return this.devices.get(device)?.priors.get(id);
  }
}
