import { describe, expect, test } from 'vitest';
import { ParleyError } from '../../runtime/index.ts';
import { VirtualClock } from '../../runtime/testing/index.ts';
import { MemoryPresence } from './memory-presence.ts';
import { runPresenceContract } from './presence-contract.ts';

runPresenceContract('memory', (clock) => new MemoryPresence({ clock }));

describe('MemoryPresence bounds', () => {
  test('forgets the user offline the longest once usersMax is reached', async () => {
    const clock = new VirtualClock(1000);
    const presence = new MemoryPresence({ clock, usersMax: 2 });
    await presence.connect('a', 'd');
    await presence.disconnect('a', 'd');
    await presence.connect('b', 'd');
    await presence.disconnect('b', 'd');
    await presence.connect('c', 'd');
    expect(presence.size).toBe(2);
    expect(await presence.get(['a', 'b', 'c'])).toEqual([
      { user: 'a', online: false, lastSeen: null },
      { user: 'b', online: false, lastSeen: 1000 },
      { user: 'c', online: true, lastSeen: 1000 },
    ]);
  });

  test('never forgets an online user, even past usersMax', async () => {
    const presence = new MemoryPresence({ clock: new VirtualClock(1), usersMax: 1 });
    await presence.connect('a', 'd');
    await presence.connect('b', 'd');
    expect((await presence.get(['a', 'b'])).map((s) => s.online)).toEqual([true, true]);
    await presence.disconnect('a', 'd');
    await presence.connect('c', 'd');
    expect(presence.size).toBe(2);
    expect((await presence.get(['a']))[0]?.lastSeen).toBeNull();
  });

  test('refuses a device past devicesMax with resource_exhausted', async () => {
    const presence = new MemoryPresence({ clock: new VirtualClock(), devicesMax: 1 });
    await presence.connect('a', 'phone');
    await presence.connect('a', 'phone');
    const refused = presence.connect('a', 'laptop');
    await expect(refused).rejects.toThrow(ParleyError);
    await expect(refused).rejects.toMatchObject({
      code: 'resource_exhausted',
      message: 'user "a" already has 1 devices online; refused "laptop"',
    });
  });

  test('refuses subscriptions past subscriptionsMax and subscribes none of them', () => {
    const presence = new MemoryPresence({ clock: new VirtualClock(), subscriptionsMax: 3 });
    const off = presence.subscribe(['a', 'b'], () => {});
    expect(() => presence.subscribe(['c', 'd'], () => {})).toThrow(
      'presence holds 2 subscriptions; 2 more would pass the limit of 3',
    );
    expect(presence.subscriptionCount).toBe(2);
    off();
    expect(presence.subscriptionCount).toBe(0);
  });

  test('rejects a bound that is not a positive integer', () => {
    expect(() => new MemoryPresence({ clock: new VirtualClock(), usersMax: 0 })).toThrow(
      'usersMax must be a positive integer, got 0',
    );
  });
});
