/**
 * The contract every `Presence` passes: one suite, run against each
 * implementation (`runPresenceContract('memory', ...)`).
 *
 * `make` gets a virtual clock that the suite moves, and returns a fresh,
 * empty presence. Listener calls are awaited with `vi.waitFor`, so an
 * implementation that notifies asynchronously (Redis pub/sub) passes too.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import type { Clock } from '../../runtime/index.ts';
import { VirtualClock } from '../../runtime/testing/index.ts';
import type { Presence, PresenceState } from './presence.ts';

export type MakePresence = (clock: Clock) => Presence | Promise<Presence>;

const T0 = 1_700_000_000_000;

export function runPresenceContract(
  name: string,
  make: MakePresence,
  options: { dispose?: (presence: Presence) => Promise<void> | void } = {},
): void {
  describe(`Presence contract: ${name}`, () => {
    let made: Presence[] = [];
    afterEach(async () => {
      for (const p of made) await options.dispose?.(p);
      made = [];
    });

    async function setup(): Promise<{ presence: Presence; clock: VirtualClock }> {
      const clock = new VirtualClock(T0);
      const presence = await make(clock);
      made.push(presence);
      return { presence, clock };
    }

    function recorder(presence: Presence, users: readonly string[]) {
      const seen: PresenceState[] = [];
      const unsubscribe = presence.subscribe(users, (state) => seen.push(state));
      return { seen, unsubscribe };
    }

    test('a user never seen is offline with lastSeen null', async () => {
      const { presence } = await setup();
      expect(await presence.get(['ghost'])).toEqual([
        { user: 'ghost', online: false, lastSeen: null },
      ]);
    });

    test('a connected user is online, last seen when they came online', async () => {
      const { presence, clock } = await setup();
      clock.setNow(T0 + 5);
      await presence.connect('alice', 'phone');
      clock.setNow(T0 + 50);
      expect(await presence.get(['alice'])).toEqual([
        { user: 'alice', online: true, lastSeen: T0 + 5 },
      ]);
    });

    test('a user goes offline with the last device, last seen at that time', async () => {
      const { presence, clock } = await setup();
      await presence.connect('alice', 'phone');
      await presence.connect('alice', 'laptop');
      clock.setNow(T0 + 100);
      await presence.disconnect('alice', 'phone');
      expect(await presence.get(['alice'])).toEqual([
        { user: 'alice', online: true, lastSeen: T0 },
      ]);
      clock.setNow(T0 + 200);
      await presence.disconnect('alice', 'laptop');
      expect(await presence.get(['alice'])).toEqual([
        { user: 'alice', online: false, lastSeen: T0 + 200 },
      ]);
    });

    test('two sessions of one device keep it online until both close', async () => {
      const { presence } = await setup();
      await presence.connect('alice', 'phone');
      await presence.connect('alice', 'phone');
      await presence.disconnect('alice', 'phone');
      expect((await presence.get(['alice']))[0]?.online).toBe(true);
      await presence.disconnect('alice', 'phone');
      expect((await presence.get(['alice']))[0]?.online).toBe(false);
    });

    test('a disconnect without a connect is ignored', async () => {
      const { presence } = await setup();
      await presence.disconnect('alice', 'phone');
      await presence.connect('bob', 'phone');
      await presence.disconnect('bob', 'laptop');
      expect(await presence.get(['alice', 'bob'])).toEqual([
        { user: 'alice', online: false, lastSeen: null },
        { user: 'bob', online: true, lastSeen: T0 },
      ]);
    });

    test('lastSeen "nobody" hides the time but not whether the user is online', async () => {
      const { presence, clock } = await setup();
      await presence.connect('alice', 'phone');
      await presence.setLastSeenVisibility('alice', 'nobody');
      expect(await presence.get(['alice'])).toEqual([
        { user: 'alice', online: true, lastSeen: null },
      ]);
      clock.setNow(T0 + 10);
      await presence.disconnect('alice', 'phone');
      expect(await presence.get(['alice'])).toEqual([
        { user: 'alice', online: false, lastSeen: null },
      ]);
      await presence.setLastSeenVisibility('alice', 'everyone');
      expect(await presence.get(['alice'])).toEqual([
        { user: 'alice', online: false, lastSeen: T0 + 10 },
      ]);
    });

    test('get answers in the order asked, repeats included', async () => {
      const { presence } = await setup();
      await presence.connect('bob', 'd');
      const states = await presence.get(['carol', 'bob', 'carol']);
      expect(states.map((s) => [s.user, s.online])).toEqual([
        ['carol', false],
        ['bob', true],
        ['carol', false],
      ]);
    });

    test('a listener hears each change of its users and nothing else', async () => {
      const { presence, clock } = await setup();
      const { seen } = recorder(presence, ['alice']);
      await presence.connect('alice', 'phone');
      await presence.connect('alice', 'laptop');
      await presence.connect('bob', 'phone');
      clock.setNow(T0 + 7);
      await presence.disconnect('alice', 'laptop');
      await presence.disconnect('alice', 'phone');
      await presence.setLastSeenVisibility('alice', 'nobody');
      await presence.setLastSeenVisibility('alice', 'nobody');
      await presence.setLastSeenVisibility('alice', 'everyone');
      await vi.waitFor(() => expect(seen).toHaveLength(4));
      expect(seen).toEqual([
        { user: 'alice', online: true, lastSeen: T0 },
        { user: 'alice', online: false, lastSeen: T0 + 7 },
        { user: 'alice', online: false, lastSeen: null },
        { user: 'alice', online: false, lastSeen: T0 + 7 },
      ]);
    });

    test('after unsubscribe a listener hears nothing; unsubscribing twice is harmless', async () => {
      const { presence } = await setup();
      const a = recorder(presence, ['alice', 'bob']);
      const b = recorder(presence, ['alice']);
      a.unsubscribe();
      a.unsubscribe();
      await presence.connect('alice', 'phone');
      await presence.connect('bob', 'phone');
      await vi.waitFor(() => expect(b.seen).toHaveLength(1));
      expect(a.seen).toEqual([]);
    });

    test('a throwing listener does not keep the others from hearing', async () => {
      const { presence } = await setup();
      presence.subscribe(['alice'], () => {
        throw new Error('listener bug');
      });
      const { seen } = recorder(presence, ['alice']);
      await presence.connect('alice', 'phone');
      await vi.waitFor(() => expect(seen).toHaveLength(1));
    });

    test('one listener may hold several subscriptions, each ended on its own', async () => {
      const { presence } = await setup();
      const seen: string[] = [];
      const listener = (s: PresenceState) => seen.push(`${s.user}:${s.online}`);
      const offAlice = presence.subscribe(['alice'], listener);
      presence.subscribe(['bob'], listener);
      offAlice();
      await presence.connect('alice', 'd');
      await presence.connect('bob', 'd');
      await vi.waitFor(() => expect(seen).toEqual(['bob:true']));
    });
  });
}
