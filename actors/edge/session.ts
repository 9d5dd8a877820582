/**
 * One client session: the edge actor for an authenticated connection,
 * spawned the one way every socket layer does it (the `ws` server here, the
 * simulator's sockets in `simulations/`): trapping exits, so a crash of what
 * it links to runs its cleanup, with a bounded mailbox that crashes the
 * session rather than growing (a client that floods it is cut off, nothing
 * else is hurt).
 */

import type { ActorSystem, Ref } from '../../runtime/index.ts';
import type { EdgeMsg } from '../chat/messages.ts';
import type { Presence } from '../presence/index.ts';
import type { PushRegistry } from '../push/index.ts';
import type { Directory } from '../virtual/index.ts';
import type { EdgeCounters } from './counters.ts';
import { edgeBehavior } from './edge-actor.ts';
import type { EdgeSocket } from './edge-socket.ts';
import type { EdgeLimits } from './limits.ts';
import type { EdgeLoad } from './load.ts';

export interface SessionDeps {
  readonly system: ActorSystem;
  readonly directory: Directory;
  readonly presence: Presence;
  readonly limits?: Partial<EdgeLimits>;
  readonly counters?: EdgeCounters;
  /** The node's messages in flight, shared by its edges (`load.ts`). */
  readonly load?: EdgeLoad;
  /** The node's push subscriptions (`push.subscribe`). */
  readonly push?: PushRegistry;
  /** Messages waiting for the edge actor before it crashes. */
  readonly mailboxMax: number;
}

/** Spawns the edge actor of `identity`'s session on `socket`. Throws when the system cannot spawn. */
export function spawnEdgeSession(
  deps: SessionDeps,
  socket: EdgeSocket,
  identity: { readonly user: string; readonly device: string },
): Ref<EdgeMsg> {
  return deps.system.spawn(
    edgeBehavior({
      socket,
      user: identity.user,
      device: identity.device,
      directory: deps.directory,
      presence: deps.presence,
      ...(deps.limits !== undefined ? { limits: deps.limits } : {}),
      ...(deps.counters !== undefined ? { counters: deps.counters } : {}),
      ...(deps.load !== undefined ? { load: deps.load } : {}),
      ...(deps.push !== undefined ? { push: deps.push } : {}),
    }),
    { trapExit: true, mailbox: { capacity: deps.mailboxMax, overflow: 'crash' } },
  );
}
