/**
 * Test support: the chat on several in-process nodes whose placement comes
 * from the real membership and placement code (`MembershipBus` running one
 * `MembershipCore` per node, `ClusterPlacement` over it), sharing one store
 * (the shared database) that records every inbox append with its epoch.
 * Nodes crash (actor system shut down, memory lost, store kept) and restart
 * under the same name with a higher creation. A client session is a real
 * edge actor (`edgeBehavior`) over a fake socket on the node of the
 * client's choosing; the client behaves as the SDK does: one session at a
 * time, an outbox of unacked messages resent (same id, in order) on every
 * reconnect.
 * For tests only; never imported by production code.
 */
import { ClusterPlacement } from '../../cluster/index.ts';
import { type ActorSystem, InProcessNetwork, type Ref } from '../../runtime/index.ts';
import { Deterministic } from '../../runtime/testing/index.ts';
import { MemoryStore } from '../../store/index.ts';
import { type EdgeSocket, edgeBehavior } from '../edge/index.ts';
import { MemoryPresence } from '../presence/index.ts';
import type { ClientFrame } from '../protocol/index.ts';
import { ACTIVATOR_NAME, activator, VirtualDirectory } from '../virtual/index.ts';
import { type Issued, recordingStore } from './cluster-world.ts';
import { type ChatEnv, DEFAULT_CHAT_CONFIG } from './env.ts';
import { groupActor } from './group-actor.ts';
import type { EdgeMsg } from './messages.ts';
import { MembershipBus, type TestMembership } from './testing-membership.ts';
import { userActor } from './user/actor.ts';
import { WakeOnGain } from './wake.ts';

export interface FaultNode {
  readonly name: string;
  readonly creation: number;
  readonly system: ActorSystem;
  readonly membership: TestMembership;
  readonly placement: ClusterPlacement;
  readonly directory: VirtualDirectory;
  readonly waker: WakeOnGain;
}

/** One frame a session received, in arrival order over all of the client's sessions. */
export interface Received {
  readonly session: number;
  readonly frame: Record<string, any>;
}

export interface Outgoing {
  readonly id: string;
  readonly to: string;
}

/** The socket of one session: frames written go to the client, pings are answered at once. */
class SessionSocket implements EdgeSocket {
  bufferedAmount = 0;
  pongs = 0;
  closed = false;
  constructor(private readonly write: (frame: Record<string, any>) => void) {}
  send(text: string): void {
    if (!this.closed) this.write(JSON.parse(text));
  }
  close(): void {
    this.closed = true;
  }
  ping(): void {
    this.pongs++;
  }
}

export class FaultClient {
  /** Every frame of every session, in arrival order. */
  readonly received: Received[] = [];
  /** Messages not yet acked `sent`, in send order (the SDK's outbox). */
  readonly outbox: Outgoing[] = [];
  /** Ids in the order of their first `sent` ack. */
  readonly acked: string[] = [];
  sessions = 0;
  node: string | undefined;
  private edge: Ref<EdgeMsg> | undefined;
  private edgeSystem: ActorSystem | undefined;
  private socket: SessionSocket | undefined;

  constructor(
    readonly world: FaultWorld,
    readonly user: string,
    readonly device = 'd1',
  ) {}

  /** Opens a session on `node` (closing the current one) through a real edge actor, and resends the outbox. */
  connect(node: string): void {
    this.disconnect();
    const n = this.world.node(node);
    if (n === undefined) return;
    const session = ++this.sessions;
    const socket = new SessionSocket((frame) => this.receive(session, frame));
    this.node = node;
    this.edgeSystem = n.system;
    this.socket = socket;
    this.edge = n.system.spawn(
      edgeBehavior({
        socket,
        user: this.user,
        device: this.device,
        directory: n.directory,
        presence: this.world.presence,
      }),
      { trapExit: true },
    );
    for (const o of this.outbox) this.transmit(o);
  }

  /** Closes the session, as the socket closing does. */
  disconnect(): void {
    if (this.connected()) this.edgeSystem!.send(this.edge!, { t: 'socket_closed' });
    this.socket?.close();
    this.edge = undefined;
    this.edgeSystem = undefined;
    this.socket = undefined;
    this.node = undefined;
  }

  /** Whether the session is open and its node still the running incarnation. */
  connected(): boolean {
    return (
      this.socket !== undefined &&
      !this.socket.closed &&
      this.world.node(this.node!)?.system === this.edgeSystem
    );
  }

  send(id: string, to: string): void {
    const o = { id, to };
    this.outbox.push(o);
    if (this.connected()) this.transmit(o);
  }

  private receive(session: number, frame: Record<string, any>): void {
    this.received.push({ session, frame });
    if (frame.type === 'ack' && frame.status === 'sent') {
      if (!this.acked.includes(frame.id)) this.acked.push(frame.id);
      const i = this.outbox.findIndex((o) => o.id === frame.id);
      if (i >= 0) this.outbox.splice(i, 1);
    }
  }

  private transmit(o: Outgoing): void {
    const frame: ClientFrame = {
      type: 'message',
      id: o.id,
      to: o.to,
      content: { type: 'text', body: o.id },
    };
    this.edgeSystem!.send(this.edge!, { t: 'socket_frame', data: JSON.stringify(frame) });
  }
}

export class FaultWorld {
  readonly det: Deterministic;
  readonly network: InProcessNetwork;
  readonly bus: MembershipBus;
  readonly memory: MemoryStore;
  /** Shared by every node, as Redis is. */
  readonly presence: MemoryPresence;
  readonly issued: Issued[] = [];
  private readonly store;
  private readonly live = new Map<string, FaultNode>();
  private creations = new Map<string, number>();

  constructor(
    seed: number,
    readonly names: readonly string[],
  ) {
    this.det = new Deterministic(seed);
    this.network = new InProcessNetwork(this.det.clock);
    this.bus = new MembershipBus(this.det.clock, this.network);
    this.memory = new MemoryStore({ clock: this.det.clock });
    this.presence = new MemoryPresence({ clock: this.det.clock });
    this.store = recordingStore(this.memory, this.issued);
    for (const name of names) this.start(name);
  }

  node(name: string): FaultNode | undefined {
    return this.live.get(name);
  }

  running(): string[] {
    return this.names.filter((n) => this.live.has(n));
  }

  /** Starts `name` with the next creation (a restart when it ran before). */
  start(name: string): FaultNode {
    if (this.live.has(name)) return this.live.get(name)!;
    const creation = (this.creations.get(name) ?? 0) + 1;
    this.creations.set(name, creation);
    const system = this.det.system({ transport: this.network.join(name), creation });
    const membership = this.bus.start(name, creation);
    const placement = new ClusterPlacement(membership);
    const directory = new VirtualDirectory(system, placement);
    const env: ChatEnv = { store: this.store, directory, config: DEFAULT_CHAT_CONFIG };
    system.spawn(
      activator(
        {
          user: (id, act) => userActor(id, env, act),
          group: (id, act) => groupActor(id, env, act),
        },
        directory,
      ),
      { name: ACTIVATOR_NAME },
    );
    const waker = new WakeOnGain(system, this.store, directory, placement);
    void waker.start();
    const node = { name, creation, system, membership, placement, directory, waker };
    this.live.set(name, node);
    return node;
  }

  /** A crash: membership silent, actors gone, memory lost; the store keeps what it has. */
  async crash(name: string): Promise<void> {
    const n = this.live.get(name);
    if (n === undefined) return;
    this.live.delete(name);
    this.bus.stop(name);
    n.waker.stop();
    n.placement.close();
    await n.system.shutdown();
  }
}
