/**
 * The edge keeps the messages it forwarded until they are answered, and
 * submits them again when the user actor serving it dies (issue 7): a
 * crash of the user actor loses its mailbox, never a client's message.
 */
import { describe, expect, test } from 'vitest';
import type { ActorSystem, Ref } from '../../runtime/index.ts';
import { Deterministic } from '../../runtime/testing/index.ts';
import type { EdgeMsg } from '../chat/messages.ts';
import { MemoryPresence, type Presence } from '../presence/index.ts';
import type { EdgeCounters } from './counters.ts';
import { edgeBehavior } from './edge-actor.ts';
import type { EdgeSocket } from './edge-socket.ts';
import type { EdgeLimits } from './limits.ts';
import { RecordingDirectory } from './testing.ts';

const T0 = 1_700_000_000_000;

class FakeSocket implements EdgeSocket {
  readonly sent: string[] = [];
  closed: { code: number; reason: string } | undefined;
  pings = 0;
  pongs = 0;
  bufferedAmount = 0;
  receivedChars = 0;
  send(text: string): void {
    this.sent.push(text);
  }
  close(code: number, reason: string): void {
    this.closed ??= { code, reason };
  }
  ping(): void {
    this.pings++;
  }
  received(chars: number): void {
    this.receivedChars += chars;
  }
  frames(): Record<string, unknown>[] {
    return this.sent.map((s) => JSON.parse(s) as Record<string, unknown>);
  }
  last(): Record<string, unknown> | undefined {
    return this.frames().at(-1);
  }
}

interface Harness {
  d: Deterministic;
  system: ActorSystem;
  socket: FakeSocket;
  directory: RecordingDirectory;
  presence: MemoryPresence;
  edge: Ref<EdgeMsg>;
  frame(data: unknown): Promise<void>;
}

async function start(
  options: { limits?: Partial<EdgeLimits>; presence?: Presence; counters?: EdgeCounters } = {},
): Promise<Harness> {
  const d = new Deterministic(7, { startMs: T0 });
  const system = d.system();
  const socket = new FakeSocket();
  const directory = new RecordingDirectory();
  const presence = new MemoryPresence({ clock: d.clock });
  const edge = system.spawn(
    edgeBehavior({
      socket,
      user: 'alice',
      device: 'phone',
      directory,
      presence: options.presence ?? presence,
      ...(options.limits === undefined ? {} : { limits: options.limits }),
      ...(options.counters === undefined ? {} : { counters: options.counters }),
    }),
    { trapExit: true },
  );
  await d.settle();
  return {
    d,
    system,
    socket,
    directory,
    presence,
    edge,
    async frame(data) {
      system.send(edge, {
        t: 'socket_frame',
        data: typeof data === 'string' ? data : JSON.stringify(data),
      });
      await d.settle();
    },
  };
}

const msg = (id: string) => ({
  type: 'message',
  id,
  to: 'bob',
  content: { type: 'text', body: id },
});
const clientIds = (h: Harness) =>
  h.directory.sent
    .filter((m) => m.msg.t === 'client')
    .map((m) => (m.msg as unknown as { frame: { id: string } }).frame.id);
const sentAck = (id: string) => JSON.stringify({ type: 'ack', id, status: 'sent', ts: T0 });

async function attachedTo(h: Harness): Promise<Ref<unknown>> {
  const user = h.system.spawn<unknown, undefined>({ receive: () => undefined });
  h.system.send(h.edge, { t: 'attached', user });
  await h.d.settle();
  return user;
}

describe('edge actor: messages in flight', () => {
  test('submits unanswered messages again, in order, after the user actor dies', async () => {
    const h = await start();
    const user = await attachedTo(h);
    for (const id of ['m1', 'm2', 'm3']) await h.frame(msg(id));
    h.system.send(h.edge, { t: 'push', json: sentAck('m2') });
    await h.d.settle();
    h.system.exit(user, 'kill');
    await h.d.settle();
    expect(clientIds(h)).toEqual(['m1', 'm2', 'm3', 'm1', 'm3']);
    const kinds = h.directory.kinds();
    expect(kinds.lastIndexOf('attach')).toBeLessThan(kinds.lastIndexOf('client'));
  });

  test('forgets a message answered by an error naming it, but not by a receipt', async () => {
    const h = await start();
    const user = await attachedTo(h);
    await h.frame(msg('m1'));
    await h.frame(msg('m2'));
    h.system.send(h.edge, {
      t: 'push',
      json: JSON.stringify({ type: 'error', code: 'forbidden', message: 'no', id: 'm1' }),
    });
    h.system.send(h.edge, {
      t: 'push',
      json: JSON.stringify({ type: 'ack', id: 'm2', status: 'read', by: 'bob', ts: T0 }),
    });
    await h.d.settle();
    h.system.exit(user, 'kill');
    await h.d.settle();
    expect(clientIds(h)).toEqual(['m1', 'm2', 'm2']);
  });

  test('answers unavailable for the oldest message once it was in flight at two crashes', async () => {
    const h = await start();
    await h.frame(msg('poison'));
    await h.frame(msg('next'));
    h.system.exit(await attachedTo(h), 'kill');
    await h.d.settle();
    h.system.exit(await attachedTo(h), 'kill');
    await h.d.settle();
    const errors = h.socket.frames().filter((f) => f.type === 'error');
    expect(errors).toEqual([
      {
        type: 'error',
        code: 'unavailable',
        message:
          'the server failed 2 times while handling this message; send it again (an id is never delivered twice)',
        id: 'poison',
      },
    ]);
    expect(clientIds(h)).toEqual(['poison', 'next', 'poison', 'next', 'next']);
  });

  test('refuses a message past inflightMessagesMax with rate_limited, and takes one again once answered', async () => {
    const h = await start({ limits: { inflightMessagesMax: 2 } });
    for (const id of ['m1', 'm2', 'm3']) await h.frame(msg(id));
    expect(h.socket.last()).toEqual({
      type: 'error',
      code: 'rate_limited',
      message: '2 frames await their answer; this one was dropped, send it again later',
      id: 'm3',
    });
    h.system.send(h.edge, { t: 'push', json: sentAck('m1') });
    await h.d.settle();
    await h.frame(msg('m3'));
    expect(clientIds(h)).toEqual(['m1', 'm2', 'm3']);
  });
});
