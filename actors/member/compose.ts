/**
 * One cluster member's core, composed over what it is given: a NATS-like
 * connection (a real one, or the simulator's bus), a clock, random and
 * scheduler, the store and a logger. The transport and the membership share
 * the connection; the chat's actors run on a placement bound to the
 * membership once the member joins (`join`, which needs the node's
 * addresses). `bin/cluster-node.ts` wraps it with the HTTP/WebSocket edge,
 * the admin API and real services; the simulator with simulated sockets and
 * services. Nothing else assembles a member.
 *
 * Safety comes from the store (epoch fencing), liveness from membership:
 * - A member that leaves the view (silent, left, restarted under a new
 *   incarnation) is `peerDown` on the transport: every link and monitor
 *   across it gets `noconnection`.
 * - While this node is cut off from NATS it owns nothing (the placement
 *   answers undefined, so its actors hand off and messages are held), and
 *   its clients are sent away (`sendAway`, 1013).
 * - `leave`: status `draining` (every node stops placing shards here),
 *   clients sent away, actors handed off; once none is left (or after a
 *   bound) the node leaves the view.
 */
import type { Logger } from 'pino';
import {
  ClusterPlacement,
  Membership,
  type NatsLike,
  NatsTransport,
  type View,
} from '../../cluster/index.ts';
import {
  ActorSystem,
  type Clock,
  type Random,
  type Scheduler,
  type Transport,
} from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import { type ChatCore, composeChat } from '../chat/compose.ts';
import type { ChatConfig } from '../chat/env.ts';
import { type Availability, CloseCode } from '../edge/index.ts';
import type { PushNotifier } from '../push/index.ts';
import {
  ACTIVATOR_NAME,
  type ActivatorMsg,
  type ListReply,
  type Placement,
} from '../virtual/index.ts';
import { LatePlacement } from './late-placement.ts';

export interface MemberDeps {
  readonly node: string;
  /** This start's incarnation: larger for every start of the node. */
  readonly creation: number;
  readonly nc: NatsLike;
  readonly clock: Clock;
  readonly random?: Random;
  readonly scheduler?: Scheduler;
  /** What the actors use, or how to make it from the system (to instrument it with the system's metrics). */
  readonly store: Store | ((system: ActorSystem) => Store);
  /** What the waker scans; default `store`. */
  readonly wakeStore?: Store;
  readonly logger: Logger;
  readonly chat?: Partial<ChatConfig>;
  /** Push notifications for offline users (`actors/push`); none: no pushes. */
  readonly push?: PushNotifier;
  readonly heartbeatMs?: number;
  readonly downAfterMs?: number;
  /** Closes every client session of this node with `code`; returns how many. The socket layer's hook. */
  readonly sendAway: (code: number, reason: string) => number;
  /**
   * Deliberately broken variants, for the simulator's mutant tests only
   * (proof that its checkers catch a broken transport or placement): the
   * actor system gets `transport(t)` instead of the NATS transport, the chat
   * `placement(p)` instead of the cluster's.
   */
  readonly mutate?: {
    readonly transport?: (t: Transport) => Transport;
    readonly placement?: (p: Placement) => Placement;
  };
}

export interface MemberAddresses {
  readonly http?: string;
  readonly ws?: string;
  readonly admin?: string;
}

export interface LeaveResult {
  readonly clientsSentAway: number;
  /** Every actor and held message was handed off within the bound. */
  readonly handedOff: boolean;
}

export interface Member {
  readonly node: string;
  readonly creation: number;
  readonly system: ActorSystem;
  readonly transport: NatsTransport;
  readonly placement: LatePlacement;
  readonly chat: ChatCore;
  /** The store the actors use. */
  readonly store: Store;
  /** Undefined until `join`. */
  readonly membership: Membership | undefined;
  /** The cluster placement bound at `join`. */
  readonly clusterPlacement: ClusterPlacement | undefined;
  readonly draining: boolean;
  /** Whether the edge takes clients now, and what `/healthz` adds. */
  availability(): Availability;
  /** Starts the membership with this node's addresses and binds the placement to it. Once. */
  join(addresses: MemberAddresses): Membership;
  /** Drains: see the module doc. Resolves once the node has left the view. */
  leave(why: string, handoffMs: number): Promise<LeaveResult>;
  /** Stops the waker, the membership and the actor system (without a leave announcement). */
  close(): Promise<void>;
}

export function composeMember(deps: MemberDeps): Member {
  const { node, creation, clock, logger } = deps;
  const transport = new NatsTransport(deps.nc, { node, creation, logger, clock });
  const system = new ActorSystem({
    node,
    creation,
    transport: deps.mutate?.transport?.(transport) ?? transport,
    clock,
    logger,
    ...(deps.random !== undefined ? { random: deps.random } : {}),
    ...(deps.scheduler !== undefined ? { scheduler: deps.scheduler } : {}),
  });
  const placement = new LatePlacement();
  const store = typeof deps.store === 'function' ? deps.store(system) : deps.store;
  const chat = composeChat({
    system,
    store,
    ...(deps.wakeStore !== undefined ? { wakeStore: deps.wakeStore } : {}),
    placement: deps.mutate?.placement?.(placement) ?? placement,
    ...(deps.chat !== undefined ? { config: deps.chat } : {}),
    ...(deps.push !== undefined ? { push: deps.push } : {}),
  });
  let membership: Membership | undefined;
  let clusterPlacement: ClusterPlacement | undefined;
  let draining = false;

  function availability(): Availability {
    const view = membership?.view();
    const isolated = membership?.isolated() ?? true;
    const details = {
      node,
      creation,
      isolated,
      draining,
      view:
        view === undefined
          ? undefined
          : {
              version: view.version,
              members: view.members.map((m) => ({ node: m.node, status: m.status })),
            },
    };
    if (draining) return { serving: false, reason: 'this node is draining', details };
    if (membership === undefined)
      return { serving: false, reason: 'this node is starting', details };
    if (isolated)
      return { serving: false, reason: 'this node is cut off from the cluster', details };
    return { serving: true, details };
  }

  function join(addresses: MemberAddresses): Membership {
    if (membership !== undefined) return membership;
    const m = new Membership({
      nc: deps.nc,
      self: { node, creation, ...addresses },
      clock,
      ...(deps.heartbeatMs !== undefined ? { heartbeatMs: deps.heartbeatMs } : {}),
      ...(deps.downAfterMs !== undefined ? { downAfterMs: deps.downAfterMs } : {}),
      log: logger,
    });
    membership = m;
    m.onChange((view, previous) => linkPeers(transport, node, view, previous));
    m.onIsolation((isolated) => {
      if (isolated) {
        const sent = deps.sendAway(
          CloseCode.TryAgainLater,
          'this node is cut off from the cluster: reconnect to another node',
        );
        logger.warn({ clientsSentAway: sent }, 'cut off from NATS: owning nothing until back');
      } else logger.info('back in touch with the cluster');
    });
    clusterPlacement = new ClusterPlacement(m);
    placement.bind(clusterPlacement);
    m.start();
    return m;
  }

  const listActors = () =>
    system.askNamed<ActivatorMsg, ListReply>(ACTIVATOR_NAME, (replyTo) => ({ t: 'list', replyTo }));

  /** Resolves once this node holds no actor and no held message, or after `boundMs`. */
  async function handedOff(boundMs: number): Promise<boolean> {
    const deadline = clock.now() + boundMs;
    for (;;) {
      const list = await listActors().catch(() => undefined);
      if (list !== undefined && list.actors.length === 0 && list.held === 0) return true;
      if (clock.now() > deadline) return false;
      await new Promise<void>((r) => clock.setTimer(100, r));
    }
  }

  async function leave(why: string, handoffMs: number): Promise<LeaveResult> {
    draining = true;
    membership?.setStatus('draining');
    const clientsSentAway = deps.sendAway(
      CloseCode.TryAgainLater,
      `${why}: reconnect to another node`,
    );
    const clean = await handedOff(handoffMs);
    logger.info({ clientsSentAway, handedOff: clean }, `${why}: leaving the cluster`);
    await membership?.leave();
    return { clientsSentAway, handedOff: clean };
  }

  async function close(): Promise<void> {
    chat.stop();
    await membership?.close();
    await system.shutdown();
  }

  return {
    node,
    creation,
    system,
    transport,
    placement,
    chat,
    store,
    get membership() {
      return membership;
    },
    get clusterPlacement() {
      return clusterPlacement;
    },
    get draining() {
      return draining;
    },
    availability,
    join,
    leave,
    close,
  };
}

/** Tells the transport which peers came and went between two views. */
export function linkPeers(
  transport: NatsTransport,
  self: string,
  view: View,
  previous: View,
): void {
  const others = (v: View) => v.members.filter((m) => m.node !== self);
  const before = new Map(others(previous).map((m) => [m.node, m.creation]));
  const now = new Map(others(view).map((m) => [m.node, m.creation]));
  for (const [peer, creation] of before) {
    if (now.get(peer) !== creation) transport.peerDown(peer);
  }
  for (const [peer, creation] of now) {
    if (before.get(peer) !== creation) transport.peerUp(peer);
  }
}
