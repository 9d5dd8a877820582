/**
 * Where chat-1to1 puts its users on a cluster, so that 1:1 messages cross
 * nodes: user `2k` sends to user `2k+1` (the `LoadSession` pairing); pair
 * `k`'s sender is at home on node `k mod N` and its recipient on node
 * `(k + 1) mod N`, "at home" meaning the node owns the user's actor (by the
 * cluster's shard map) and the user's connection goes to that node. A message
 * then goes sender's edge → sender's actor (same node) → recipient's actor
 * (the next node, over NATS) → recipient's edge (same node), and the receipt
 * back across. With one node every user is at home on it.
 *
 * Ids are `${prefix}${j}` for the smallest `j`s that fill each node's share:
 * candidates are tried in order, each kept for the first user still waiting
 * for its owner. Deterministic for a given prefix and owner function; at most
 * `candidatesMax` candidates are tried (an owner that owns nothing fails with
 * a clear error rather than looping).
 */

export interface Placement {
  /** User `i`'s id. */
  readonly ids: readonly string[];
  /** The node (index into the cluster's URLs) user `i` connects to. */
  readonly node: readonly number[];
}

/** The node wanted for user `i` of `users`, on `nodes` nodes. */
export function homeOf(i: number, nodes: number): number {
  const pair = Math.floor(i / 2);
  return (pair + (i % 2)) % nodes;
}

/**
 * Places `users` (even) over `nodes`, `ownerOf(id)` telling which node
 * (index) owns user `id`'s actor, or -1 for a node not among ours.
 */
export function placeUsers(
  users: number,
  nodes: number,
  prefix: string,
  ownerOf: (id: string) => number,
  candidatesMax = 64 * users + 1024,
): Placement {
  if (!Number.isInteger(nodes) || nodes < 1)
    throw new Error(`nodes must be a positive integer, got ${JSON.stringify(nodes)}`);
  const wanted = Array.from({ length: users }, (_, i) => homeOf(i, nodes));
  // Per node, the users still waiting for an id, in order.
  const waiting: number[][] = Array.from({ length: nodes }, () => []);
  for (const [i, h] of wanted.entries()) waiting[h]!.push(i);
  const next = new Array<number>(nodes).fill(0);
  const ids = new Array<string>(users);
  let placed = 0;
  for (let j = 0; placed < users; j++) {
    if (j >= candidatesMax) {
      const short = waiting.map((w, n) => w.length - next[n]!);
      throw new Error(
        `could not place ${users} users over ${nodes} nodes in ${candidatesMax} ids; still wanted per node: ${JSON.stringify(short)}`,
      );
    }
    const id = `${prefix}${j}`;
    const owner = ownerOf(id);
    if (owner < 0 || owner >= nodes) continue;
    const queue = waiting[owner]!;
    if (next[owner]! >= queue.length) continue;
    ids[queue[next[owner]!++]!] = id;
    placed++;
  }
  return { ids, node: wanted };
}

/** Of `placement`'s pairs, how many have sender and recipient on different nodes. */
export function crossPairs(placement: Placement): number {
  let n = 0;
  for (let i = 0; i + 1 < placement.node.length; i += 2)
    if (placement.node[i] !== placement.node[i + 1]) n++;
  return n;
}
