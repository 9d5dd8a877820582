/**
 * Test support for virtual actors: several in-process nodes, each with its
 * own hand-driven `ManualPlacement`, activator and directory, on one
 * deterministic clock and scheduler; and two recording virtual actor kinds.
 * For tests only; not exported by `index.ts`.
 */
import {
  type ActorSystem,
  type Behavior,
  InProcessNetwork,
  type Ref,
} from '../../runtime/index.ts';
import { Deterministic } from '../../runtime/testing/index.ts';
import { activator } from './activator.ts';
import { ACTIVATOR_NAME, VirtualDirectory } from './directory.ts';
import type { ActivatorMsg, IntrospectMsg } from './messages.ts';
import { ManualPlacement } from './placement.ts';
import type { ActivatorOptions, VirtualKind } from './state.ts';

export type RecMsg =
  | { readonly t: 'hit'; readonly from: string; readonly n: number }
  | { readonly t: 'handoff' }
  | { readonly t: 'passivated' }
  | IntrospectMsg;

/** What recorder actors saw: `node/incarnation` and the message, in order. */
export interface Seen {
  readonly key: string;
  readonly node: string;
  readonly incarnation: number;
  readonly from: string;
  readonly n: number;
}

/**
 * A virtual actor that records every `hit`, takes `workTurns` promise turns
 * per message (in-flight async work), and stops on `handoff` unless `stubborn`.
 */
export function recorder(
  seen: Seen[],
  options: { workTurns?: number; stubborn?: boolean } = {},
): VirtualKind {
  let incarnations = 0;
  return (id: string, _act: Ref<ActivatorMsg>) => {
    const incarnation = ++incarnations;
    return {
      name: 'recorder',
      async receive(s: undefined, msg: RecMsg, ctx) {
        for (let i = 0; i < (options.workTurns ?? 0); i++) await Promise.resolve();
        if (msg.t === 'hit')
          seen.push({ key: `rec:${id}`, node: ctx.node, incarnation, from: msg.from, n: msg.n });
        else if (msg.t === 'handoff' && !options.stubborn) ctx.stop('normal');
        else if (msg.t === 'introspect') ctx.send(msg.replyTo, { epoch: incarnation, devices: [] });
        return s;
      },
    };
  };
}

/** What `tracker` actors take. */
export type TrackMsg =
  | { readonly t: 'hit'; readonly from: string; readonly n: number; readonly replyTo?: Ref<number> }
  | { readonly t: 'idle' }
  | { readonly t: 'crash' }
  | { readonly t: 'ping'; readonly replyTo: Ref<string> }
  | { readonly t: 'handoff' }
  | { readonly t: 'passivated' };

/** One `hit` a tracker actor took. */
export interface Got {
  readonly key: string;
  readonly node: string;
  readonly incarnation: number;
  readonly from: string;
  readonly n: number;
}

/**
 * A virtual actor kind (keys `t:…`) that records every `hit` in `got`
 * (answering one that carries a `replyTo`), takes `workTurns` promise turns
 * per message, asks to passivate on `idle` (with how many routed messages it
 * received), crashes on `crash` and answers `ping` with `node#incarnation`;
 * it stops on `handoff` and `passivated`.
 */
export function tracker(got: Got[], workTurns = 0) {
  let incarnations = 0;
  return (id: string, act: Ref<ActivatorMsg>): Behavior<TrackMsg, { received: number }> => {
    const incarnation = ++incarnations;
    const key = `t:${id}`;
    return {
      name: 'tracker',
      init: () => ({ received: 0 }),
      async receive(s, msg, ctx) {
        for (let i = 0; i < workTurns; i++) await Promise.resolve();
        if (msg.t === 'handoff' || msg.t === 'passivated') {
          ctx.stop('normal');
          return s;
        }
        s.received++;
        if (msg.t === 'hit') {
          got.push({ key, node: ctx.node, incarnation, from: msg.from, n: msg.n });
          if (msg.replyTo !== undefined) ctx.send(msg.replyTo, msg.n);
        } else if (msg.t === 'idle')
          ctx.send(act, { t: 'passivate', key, ref: ctx.self, received: s.received });
        else if (msg.t === 'crash') throw new Error('boom');
        else ctx.send(msg.replyTo, `${ctx.node}#${incarnation}`);
        return s;
      },
    };
  };
}

export interface TestNode {
  readonly name: string;
  readonly system: ActorSystem;
  readonly placement: ManualPlacement;
  readonly directory: VirtualDirectory;
}

export function virtualCluster(
  seed: number,
  nodeNames: readonly string[],
  kinds: Readonly<Record<string, VirtualKind>>,
  options: Partial<ActivatorOptions> = {},
) {
  const det = new Deterministic(seed);
  const network = new InProcessNetwork(det.clock);
  const nodes: TestNode[] = nodeNames.map((name) => {
    const system = det.system({ transport: network.join(name) });
    const placement = new ManualPlacement();
    const directory = new VirtualDirectory(system, placement);
    system.spawn(activator(kinds, directory, options), { name: ACTIVATOR_NAME });
    return { name, system, placement, directory };
  });
  const node = (name: string): TestNode => nodes.find((n) => n.name === name)!;
  /** Installs one view on every node (or `only` those named). */
  const view = (owner: (key: string) => string | undefined, only?: readonly string[]) => {
    for (const n of nodes) if (only === undefined || only.includes(n.name)) n.placement.set(owner);
  };
  /** Settles the run (so an ask can be answered), then awaits `p`. */
  const answer = async <T>(p: Promise<T>): Promise<T> => {
    await det.settle();
    return p;
  };
  return { det, network, nodes, node, view, answer };
}
