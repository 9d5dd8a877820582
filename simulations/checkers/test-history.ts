/**
 * Tests only: a small builder of hand-written histories. Events take the
 * builder's current time (`at(t)` moves it, never back), so the events stay
 * in time order as `History` promises; devices are declared up front.
 */
import type { FaultWindow, History, HistoryEvent, Issued, Scenario } from '../types.ts';
import { checkNames } from './index.ts';

export const defaultChecks: Scenario['checks'] = {
  run: checkNames,
  availabilityDeadlineMs: 5000,
  availabilityMin: 0,
  convergenceS: 30,
};

export class HistoryBuilder {
  private readonly events: HistoryEvent[] = [];
  private readonly issued: Issued[] = [];
  private readonly faults: FaultWindow[] = [];
  private now = 0;
  counters = { busMessages: 0, storeCalls: 0, actorMessages: 0 };

  /** `users`: user → its device ids; `groups`: group → member users. */
  constructor(
    private readonly users: Readonly<Record<string, readonly string[]>>,
    private readonly groups: Readonly<Record<string, readonly string[]>> = {},
  ) {}

  at(t: number): this {
    if (t < this.now) throw new Error(`builder: time goes back from ${this.now} to ${t}`);
    this.now = t;
    return this;
  }

  /** Every declared device connects to n1 now. */
  connectAll(): this {
    for (const [user, devices] of Object.entries(this.users))
      for (const device of devices) this.connect(user, device);
    return this;
  }
  connect(user: string, device: string, node = 'n1'): this {
    return this.push({ k: 'connect', t: this.now, user, device, node });
  }
  disconnect(user: string, device: string, code = 1006): this {
    return this.push({ k: 'disconnect', t: this.now, user, device, code });
  }
  send(user: string, device: string, id: string, to: string): this {
    return this.push({ k: 'send', t: this.now, user, device, id, to });
  }
  sent(user: string, device: string, id: string): this {
    return this.push({ k: 'sent', t: this.now, user, device, id });
  }
  /** `conv` defaults to `user:FROM` (a 1:1 message as the recipient sees it). */
  deliver(
    user: string,
    device: string,
    from: string,
    id: string,
    seq: number,
    conv?: string,
  ): this {
    const c = conv ?? `user:${from}`;
    return this.push({ k: 'deliver', t: this.now, user, device, from, id, seq, conv: c });
  }
  receipt(
    user: string,
    device: string,
    id: string,
    by: string,
    status: 'delivered' | 'read',
    group?: string,
  ): this {
    const e: HistoryEvent =
      group === undefined
        ? { k: 'receipt', t: this.now, user, device, id, by, status }
        : { k: 'receipt', t: this.now, user, device, id, by, status, group };
    return this.push(e);
  }
  read(user: string, device: string, from: string, id: string): this {
    return this.push({ k: 'read', t: this.now, user, device, from, id });
  }
  refused(user: string, device: string, id: string, code: string): this {
    return this.push({ k: 'refused', t: this.now, user, device, id, code });
  }
  issue(user: string, seq: number, key: string, epoch = 1): this {
    this.issued.push({ t: this.now, user, seq, key, epoch });
    return this;
  }
  fault(fromMs: number, toMs?: number, label = 'cut n1'): this {
    this.faults.push(
      toMs === undefined
        ? { kind: 'partition', label, fromMs }
        : { kind: 'partition', label, fromMs, toMs },
    );
    return this;
  }

  build(endMs = this.now): History {
    const devices = Object.entries(this.users).flatMap(([user, ds]) =>
      ds.map((device) => ({ user, device })),
    );
    return {
      events: [...this.events],
      issued: [...this.issued],
      faults: [...this.faults],
      devices,
      groups: this.groups,
      workloadEndMs: endMs,
      endMs,
      counters: { ...this.counters },
    };
  }

  private push(e: HistoryEvent): this {
    this.events.push(e);
    return this;
  }
}
