/**
 * Where a test cluster places keys, and how tests reach it: users chosen by
 * the node their actor lives on (the same rendezvous placement the nodes
 * compute from the same members), node url lists starting at a home node,
 * and `parleyctl` run as an operator runs it from the checkout.
 */
import { spawn } from 'node:child_process';
import { ShardMap } from '../../cluster/index.ts';
import type { TestCluster } from './cluster.ts';

/** `count` user ids `prefix<i>` whose actors live on `node` when `nodes` are the members. */
export function usersOn(
  nodes: readonly string[],
  node: string,
  prefix: string,
  count: number,
): string[] {
  const shards = ShardMap.build(nodes);
  const out: string[] = [];
  for (let i = 0; out.length < count; i++) {
    if (shards.ownerOf(`user:${prefix}${i}`) === node) out.push(`${prefix}${i}`);
  }
  return out;
}

/** The cluster's WebSocket urls starting at node `home` (1-based), then the others in order. */
export function urlsFrom(cluster: TestCluster, home: number): string[] {
  const urls = cluster.nodes.map((n) => n.ws);
  return [...urls.slice(home - 1), ...urls.slice(0, home - 1)];
}

/** `npx parleyctl ARGS` from the checkout. */
export function parleyctl(
  args: readonly string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('npx', ['--no-install', 'parleyctl', ...args], {
      cwd: process.cwd(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}
