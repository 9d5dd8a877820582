/**
 * Which of a cluster's nodes owns a user's actor, as the nodes themselves
 * compute it: each node's `/healthz` names the node and its membership view;
 * once every given node sees the same members, the owner of `user:ID` is
 * the cluster's `ShardMap` over the members that are `up` (what
 * `ClusterPlacement` uses). Waits at most `timeoutMs` for the views to agree.
 * A single node (no view in its health) owns everything.
 */
import { ShardMap } from '../../cluster/index.ts';
import { sleepMs } from './machine.ts';
import { httpBase } from './tokens.ts';

interface Health {
  readonly node?: string;
  readonly view?: { readonly members: readonly { node: string; status?: string }[] };
}

export interface Owners {
  /** Node name behind each URL, in the URLs' order. */
  readonly names: readonly string[];
  /** Index of the URL whose node owns user `id`'s actor; -1 for a node not given. */
  ownerOf(id: string): number;
}

async function health(wsUrl: string): Promise<Health> {
  const res = await fetch(`${httpBase(wsUrl)}/healthz`, { signal: AbortSignal.timeout(5000) });
  return (await res.json()) as Health;
}

export async function clusterOwners(
  wsUrls: readonly string[],
  timeoutMs = 30_000,
): Promise<Owners> {
  const deadline = performance.now() + timeoutMs;
  let last = '';
  for (;;) {
    const all = await Promise.all(wsUrls.map(health));
    const names = all.map((h, i) => h.node ?? `url-${i}`);
    if (all.every((h) => h.view === undefined))
      return { names, ownerOf: () => (wsUrls.length === 1 ? 0 : -1) };
    const views = all.map((h) =>
      (h.view?.members ?? [])
        .filter((m) => m.status === undefined || m.status === 'up')
        .map((m) => m.node)
        .sort()
        .join(','),
    );
    const agreed = views.every((v) => v === views[0]);
    const members = views[0]!.split(',').filter((n) => n !== '');
    if (agreed && names.every((n) => members.includes(n))) {
      const map = ShardMap.build(members);
      const index = new Map(names.map((n, i) => [n, i]));
      return { names, ownerOf: (id) => index.get(map.ownerOf(`user:${id}`) ?? '') ?? -1 };
    }
    last = JSON.stringify(views);
    if (performance.now() > deadline)
      throw new Error(
        `the nodes' views did not agree on ${JSON.stringify(names)} in ${timeoutMs} ms: ${last}`,
      );
    await sleepMs(250);
  }
}
