/**
 * Node samples downsampled for the report: a run samples every node every
 * few hundred ms (thousands of `NodeSample`s), but a node's state changes a
 * handful of times, so the swimlane draws one rect per interval of equal
 * state instead of one per sample.
 *
 * A sample's state: `down` when not alive, else `isolated` when cut off, else
 * `alive`. Consecutive samples of a node merge into one interval while the
 * state, the view version and the view's members stay the same (a down
 * node's view is not compared: it has none worth showing). An interval runs
 * from its first sample's `t` to the next interval's first `t`; the last one
 * to `endMs`. Sample times are virtual ms, like every other time in a run
 * except the series' seconds.
 *
 * Guarantees: nodes come in the order they first appear; each node's
 * intervals are in time order, cover its samples without gaps and never
 * overlap; `actorSteps` keeps only the samples where the actor count changed
 * (plus the first), so a step line through them is the same picture.
 */
import type { NodeSample } from '../types.ts';

export type NodeState = 'alive' | 'isolated' | 'down';

export interface NodeInterval {
  readonly node: string;
  readonly state: NodeState;
  readonly fromMs: number;
  readonly toMs: number;
  readonly viewVersion: number;
  readonly members: readonly string[];
  readonly actorsMin: number;
  readonly actorsMax: number;
  /** How many samples merged into this interval. */
  readonly samples: number;
}

export function nodeState(s: NodeSample): NodeState {
  if (!s.alive) return 'down';
  return s.isolated ? 'isolated' : 'alive';
}

/** Samples by node, each node's in time order (stable for equal times). */
export function samplesByNode(samples: readonly NodeSample[]): Map<string, NodeSample[]> {
  const byNode = new Map<string, NodeSample[]>();
  for (const s of samples) {
    const list = byNode.get(s.node);
    if (list === undefined) byNode.set(s.node, [s]);
    else list.push(s);
  }
  for (const list of byNode.values()) list.sort((a, b) => a.t - b.t);
  return byNode;
}

/** One node's samples (in time order) merged into intervals ending at `endMs`. */
export function nodeIntervals(samples: readonly NodeSample[], endMs: number): NodeInterval[] {
  const out: NodeInterval[] = [];
  let open: { first: NodeSample; state: NodeState; min: number; max: number; n: number } | null =
    null;
  const close = (toMs: number) => {
    if (open === null) return;
    out.push({
      node: open.first.node,
      state: open.state,
      fromMs: open.first.t,
      toMs: Math.max(toMs, open.first.t),
      viewVersion: open.first.viewVersion,
      members: open.first.members,
      actorsMin: open.min,
      actorsMax: open.max,
      samples: open.n,
    });
  };
  for (const s of samples) {
    const state = nodeState(s);
    if (open !== null && sameView(open.first, open.state, s, state)) {
      open.min = Math.min(open.min, s.actors);
      open.max = Math.max(open.max, s.actors);
      open.n++;
      continue;
    }
    close(s.t);
    open = { first: s, state, min: s.actors, max: s.actors, n: 1 };
  }
  close(endMs);
  return out;
}

function sameView(a: NodeSample, aState: NodeState, b: NodeSample, bState: NodeState): boolean {
  if (aState !== bState) return false;
  if (aState === 'down') return true;
  return (
    a.viewVersion === b.viewVersion &&
    a.members.length === b.members.length &&
    a.members.every((m, i) => m === b.members[i])
  );
}

/** The samples (in time order) where the actor count changed, and the first. */
export function actorSteps(samples: readonly NodeSample[]): { t: number; actors: number }[] {
  const out: { t: number; actors: number }[] = [];
  for (const s of samples) {
    if (out.at(-1)?.actors === s.actors) continue;
    out.push({ t: s.t, actors: s.actors });
  }
  return out;
}
