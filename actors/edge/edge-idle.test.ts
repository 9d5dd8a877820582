import { describe, expect, test, vi } from 'vitest';
import type { Ref } from '../../runtime/index.ts';
import { Deterministic } from '../../runtime/testing/index.ts';
import type { EdgeMsg } from '../chat/messages.ts';
import { MemoryPresence } from '../presence/index.ts';
import { edgeBehavior } from './edge-actor.ts';
import type { EdgeSocket } from './edge-socket.ts';
import { RecordingDirectory } from './testing.ts';

/** A socket whose client answers every ping. */
class AnsweringSocket implements EdgeSocket {
  pongs = 0;
  pings = 0;
  bufferedAmount = 0;
  closed: number | undefined;
  send(): void {}
  close(code: number): void {
    this.closed ??= code;
  }
  ping(): void {
    this.pings++;
    this.pongs++;
  }
}

describe('edge actor: an idle connection', () => {
  test('has no timer of its own: 50 idle connections share one heartbeat timer', async () => {
    const d = new Deterministic(3, { startMs: 1_700_000_000_000 });
    const system = d.system();
    const directory = new RecordingDirectory();
    const presence = new MemoryPresence({ clock: d.clock });
    const user = system.spawn<unknown, undefined>({ receive: () => undefined });
    const sockets: AnsweringSocket[] = [];
    const edges: Ref<EdgeMsg>[] = [];
    for (let i = 0; i < 50; i++) {
      const socket = new AnsweringSocket();
      sockets.push(socket);
      edges.push(
        system.spawn(edgeBehavior({ socket, user: `u${i}`, device: 'd', directory, presence }), {
          trapExit: true,
        }),
      );
    }
    for (const edge of edges) system.send(edge, { t: 'attached', user });
    await d.settle();
    const setTimer = vi.spyOn(d.clock, 'setTimer');
    await d.advance(5 * 30_000);
    // One timer per heartbeat round for all 50, not one per connection per round.
    expect(setTimer.mock.calls.length).toBeLessThanOrEqual(5);
    expect(sockets.map((s) => s.pings)).toEqual(sockets.map(() => 5));
    expect(sockets.every((s) => s.closed === undefined)).toBe(true);
    expect(directory.kinds().filter((k) => k === 'attach')).toHaveLength(50);
  });
});
