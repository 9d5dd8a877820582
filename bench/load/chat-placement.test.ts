import { describe, expect, test } from 'vitest';
import { ShardMap } from '../../cluster/index.ts';
import { crossPairs, homeOf, placeUsers } from './chat-placement.ts';

const NODES = ['node-1', 'node-2', 'node-3'];
const map = ShardMap.build(NODES);
const ownerOf = (id: string) => NODES.indexOf(map.ownerOf(`user:${id}`)!);

describe('placeUsers', () => {
  test('puts every user on the node that owns its actor, partners on different nodes', () => {
    const p = placeUsers(300, 3, 'u', ownerOf);
    expect(new Set(p.ids).size).toBe(300);
    for (let i = 0; i < 300; i++) expect(ownerOf(p.ids[i]!)).toBe(p.node[i]);
    expect(crossPairs(p)).toBe(150);
  });

  test('spreads senders and recipients evenly over the nodes', () => {
    const p = placeUsers(600, 3, 'u', ownerOf);
    const per = [0, 0, 0];
    for (const n of p.node) per[n]!++;
    expect(per).toEqual([200, 200, 200]);
  });

  test('is deterministic for a prefix', () => {
    expect(placeUsers(40, 3, 'x', ownerOf)).toEqual(placeUsers(40, 3, 'x', ownerOf));
  });

  test('on one node every user is at home there and no pair crosses', () => {
    const p = placeUsers(10, 1, 'u', () => 0);
    expect(p.ids).toEqual(['u0', 'u1', 'u2', 'u3', 'u4', 'u5', 'u6', 'u7', 'u8', 'u9']);
    expect(crossPairs(p)).toBe(0);
  });

  test('fails, saying what is missing, when a node owns nothing', () => {
    expect(() => placeUsers(4, 2, 'u', () => 0, 100)).toThrow(
      'could not place 4 users over 2 nodes in 100 ids; still wanted per node: [0,2]',
    );
  });

  test('homeOf alternates pairs over the nodes', () => {
    expect([0, 1, 2, 3, 4, 5].map((i) => homeOf(i, 3))).toEqual([0, 1, 1, 2, 2, 0]);
  });
});
