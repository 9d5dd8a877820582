/**
 * One simulated node: a cluster member composed by the production
 * `composeMember` over the run's clock, scheduler and random (through its
 * fence), a connection to the simulated NATS, the shared simulated store
 * and presence; plus the sessions of the clients connected to it.
 *
 * Lifecycle: `start` (a new incarnation: `creation` grows), `crash` (the
 * fence closes: memory, timers, sessions and the NATS connection are gone;
 * the store keeps what reached it), `drain` (the production leave: clients
 * sent away, actors handed off, leave the view; then the process exits).
 */
import type { Logger } from 'pino';
import type { Random, Transport } from '../../runtime/index.ts';
import type { VirtualClock } from '../../runtime/testing/index.ts';
import type { MemoryPresence, Placement } from './deps.ts';
import { composeMember, type Member, spawnEdgeSession } from './deps.ts';
import { Fence, fencedClock, type SimScheduler } from './fence.ts';
import type { SimBus, SimNatsConnection } from './sim-bus.ts';
import { NodePresence, PRESENCE_TTL_MS } from './sim-presence.ts';
import type { SimLink } from './sim-socket.ts';
import type { SimStore } from './sim-store.ts';

export interface NodeEnv {
  readonly clock: VirtualClock;
  readonly scheduler: SimScheduler;
  readonly random: Random;
  readonly bus: SimBus;
  readonly store: SimStore;
  readonly presence: MemoryPresence;
  readonly logger: Logger;
  readonly heartbeatMs: number;
  readonly downAfterMs: number;
  readonly chat?: Parameters<typeof composeMember>[0]['chat'];
  /** Mutant `reorder-transport`. */
  readonly wrapTransport?: (t: Transport) => Transport;
  /** Mutant `split-ownership`: this node owns every key. */
  readonly ownsEverything?: boolean;
}

export type NodeState = 'up' | 'down' | 'left';

export class SimNode {
  state: NodeState = 'down';
  creation = 0;
  fence: Fence;
  member: Member | undefined;
  conn: SimNatsConnection | undefined;
  presence: NodePresence | undefined;
  readonly sessions = new Set<SimLink>();

  constructor(
    readonly name: string,
    private readonly env: NodeEnv,
  ) {
    this.fence = new Fence(name);
  }

  get url(): string {
    return `ws://${this.name}.sim/ws`;
  }

  start(): void {
    if (this.state === 'up') return;
    this.creation++;
    const fence = new Fence(this.name);
    this.fence = fence;
    const env = this.env;
    const conn = env.bus.connect(this.name);
    this.conn = conn;
    this.presence = new NodePresence(env.presence, fence);
    this.member = composeMember({
      node: this.name,
      creation: this.creation,
      nc: conn.nats,
      clock: fencedClock(env.clock, fence),
      random: env.random,
      scheduler: env.scheduler.forNode(fence),
      store: env.store.forNode(fence),
      logger: env.logger.child({ node: this.name, creation: this.creation }),
      heartbeatMs: env.heartbeatMs,
      downAfterMs: env.downAfterMs,
      ...(env.chat !== undefined ? { chat: env.chat } : {}),
      sendAway: (code, reason) => this.sendAway(code, reason),
      mutate: {
        ...(env.wrapTransport !== undefined ? { transport: env.wrapTransport } : {}),
        ...(env.ownsEverything
          ? {
              placement: (p: Placement): Placement => ({
                owner: () => this.name,
                onChange: (l) => p.onChange(l),
                handoffExpected: () => false,
              }),
            }
          : {}),
      },
    });
    this.member.join({ ws: this.url });
    this.state = 'up';
  }

  /** Closes every session with `code` (the production edge's send-away). */
  sendAway(code: number, reason: string): number {
    const n = this.sessions.size;
    for (const link of [...this.sessions]) link.server.close(code, reason);
    return n;
  }

  /** Whether the edge takes a new client now. */
  serving(): boolean {
    return this.state === 'up' && this.member !== undefined && this.member.availability().serving;
  }

  /** Opens a session for `link` (the upgrade was accepted). */
  accept(link: SimLink, user: string, device: string): boolean {
    const member = this.member;
    if (!this.serving() || member === undefined || this.presence === undefined) return false;
    link.accepting(this.fence, this.name);
    const edge = spawnEdgeSession(
      {
        system: member.system,
        directory: member.chat.directory,
        presence: this.presence,
        mailboxMax: 10_000,
      },
      link.server,
      { user, device },
    );
    this.sessions.add(link);
    link.accepted(edge);
    return true;
  }

  /** A session's socket closed: the edge is told (if this incarnation lives). */
  closed(link: SimLink): void {
    this.sessions.delete(link);
  }

  crash(): void {
    if (this.state !== 'up') return;
    this.state = 'down';
    this.fence.alive = false;
    this.conn?.kill();
    for (const link of [...this.sessions]) link.abort(false);
    this.sessions.clear();
    this.presence?.expireAfter(this.env.clock, PRESENCE_TTL_MS);
    this.member = undefined;
  }

  /** The production drain; once left, the process exits (like a crash that lost nothing). */
  drain(): void {
    const member = this.member;
    if (this.state !== 'up' || member === undefined) return;
    void member.leave('draining', 30_000).then(() => {
      if (this.member !== member) return;
      this.state = 'left';
      this.fence.alive = false;
      this.conn?.kill();
      for (const link of [...this.sessions]) link.abort(false);
      this.sessions.clear();
      this.presence?.expireAfter(this.env.clock, 0);
      this.member = undefined;
    });
  }
}
