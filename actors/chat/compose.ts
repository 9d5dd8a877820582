/**
 * The chat's actors on one node, composed: the activator of virtual user and
 * group actors under a root supervisor, the directory that routes to them,
 * and the waker that resumes forwards left pending by a crash. Pure
 * composition over what it is given (the actor system with its clock,
 * random and scheduler, the store, the placement): `startNode` (one node),
 * the cluster member and the simulator all build a node with it, so none of
 * them re-assembles the chat by hand.
 */
import type { ActorSystem, Ref, SupervisorMsg } from '../../runtime/index.ts';
import { startSupervisor } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { PushNotifier } from '../push/index.ts';
import { ACTIVATOR_NAME, activator, type Placement, VirtualDirectory } from '../virtual/index.ts';
import { type ChatConfig, type ChatEnv, DEFAULT_CHAT_CONFIG } from './env.ts';
import { groupActor } from './group-actor.ts';
import { userActor } from './user/actor.ts';
import { WakeOnGain } from './wake.ts';

export interface ChatDeps {
  readonly system: ActorSystem;
  /** What the actors use (it may be instrumented). */
  readonly store: Store;
  /** What the waker scans; default `store`. */
  readonly wakeStore?: Store;
  readonly placement: Placement;
  readonly config?: Partial<ChatConfig>;
  /** Push notifications for offline users; none: no pushes. */
  readonly push?: PushNotifier;
}

export interface ChatCore {
  readonly directory: VirtualDirectory;
  readonly root: Ref<SupervisorMsg>;
  readonly env: ChatEnv;
  /** Stops the waker; the actors stop with the system. */
  stop(): void;
}

/** Spawns the chat's supervision tree on `deps.system` and starts the waker. */
export function composeChat(deps: ChatDeps): ChatCore {
  const { system, placement } = deps;
  const directory = new VirtualDirectory(system, placement);
  const env: ChatEnv = {
    store: deps.store,
    directory,
    config: { ...DEFAULT_CHAT_CONFIG, ...deps.config },
    ...(deps.push !== undefined ? { push: deps.push } : {}),
  };
  const root = startSupervisor(
    system,
    {
      flags: { strategy: 'one_for_one', intensity: 10, period: 10 },
      children: [
        {
          id: 'activator',
          start: () => ({
            behavior: activator(
              {
                user: (id, act) => userActor(id, env, act),
                group: (id, act) => groupActor(id, env, act),
              },
              directory,
            ),
            options: { name: ACTIVATOR_NAME, mailbox: { capacity: 1_000_000 } },
          }),
        },
      ],
    },
    { name: 'parley.root' },
  );
  // Resume forwards and fan-out left pending by a crash, without waiting for clients,
  // and again for the keys this node gains in each view change.
  const waker = new WakeOnGain(system, deps.wakeStore ?? deps.store, directory, placement);
  void waker.start();
  return { directory, root, env, stop: () => waker.stop() };
}
