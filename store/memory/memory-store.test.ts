/**
 * The in-memory store: the storage contract suite, plus what only it has:
 * fault injection, copies in and out, and bad options.
 */
import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../runtime/index.ts';
import { VirtualClock } from '../../runtime/testing/index.ts';
import { DEFAULT_RETENTION } from '../contract.ts';
import { runStoreContract } from '../contract-suite.ts';
import { MemoryStore } from './memory-store.ts';

runStoreContract('memory', async ({ clock, retention }) => {
  const store = new MemoryStore({ clock, retention });
  return { store, cleanup: () => store.close() };
});

describe('memory store', () => {
  it('runs with the system clock and the default retention when given no options', () => {
    const store = new MemoryStore();
    expect(store.retention).toEqual(DEFAULT_RETENTION);
    expect(store.clock.now()).toBeGreaterThan(0);
  });

  it('with failWith set every call rejects with it, and works again once it is cleared', async () => {
    const store = new MemoryStore({ clock: new VirtualClock() });
    const down = new ParleyError('unavailable', 'database down');
    store.failWith = down;
    await expect(store.acquireEpoch('user:a')).rejects.toBe(down);
    await expect(store.readInbox('a', 0, 10)).rejects.toBe(down);
    store.failWith = null;
    expect(await store.acquireEpoch('user:a')).toBe(1);
  });

  it('stores copies: changing an argument or a result afterwards changes nothing stored', async () => {
    const store = new MemoryStore({ clock: new VirtualClock() });
    const epoch = await store.acquireEpoch('user:a');
    const content = { type: 'text', text: 'hi' };
    await store.appendInbox('a', epoch, [
      {
        record: { key: 'b/1', from: 'b', id: '1', to: 'a', ts: 1, content },
        conversation: 'u:b',
      },
    ]);
    content.text = 'changed';
    const [read] = await store.readInbox('a', 0, 10);
    read!.content.text = 'changed too';
    expect((await store.findByKey('a', 'b/1'))?.content).toEqual({ type: 'text', text: 'hi' });
  });

  it('a call that fails an argument check is invalid_argument naming the call and writes nothing', async () => {
    const store = new MemoryStore({ clock: new VirtualClock() });
    const epoch = await store.acquireEpoch('user:a');
    const record = { key: 'b/1', from: 'b', id: '1', ts: 1, content: { type: 'text' } };
    const bad = { record: { ...record, key: 'b/2', ts: -1 }, conversation: 'u:b' };
    await expect(
      store.appendInbox('a', epoch, [{ record, conversation: 'u:b' }, bad]),
    ).rejects.toMatchObject({
      code: 'invalid_argument',
      message: 'invalid items[1].record.ts -1: must be a safe integer >= 0',
    });
    expect(await store.inboxHead('a')).toBe(0);
  });

  it('the wake list keeps each marked owner once, lists them ascending after `after`, and forgets cleared ones', async () => {
    const store = new MemoryStore({ clock: new VirtualClock() });
    for (const owner of ['user:b', 'group:g', 'user:a', 'user:b']) await store.markWake(owner);
    expect(await store.listWake(null, 10)).toEqual(['group:g', 'user:a', 'user:b']);
    expect(await store.listWake('group:g', 1)).toEqual(['user:a']);
    await store.clearWake('user:a');
    await store.clearWake('user:a');
    expect(await store.listWake(null, 10)).toEqual(['group:g', 'user:b']);
    await expect(store.markWake('')).rejects.toMatchObject({
      code: 'invalid_argument',
      message:
        'invalid owner "": must be a non-empty string of at most 512 UTF-8 bytes without NUL',
    });
  });

  it('bad options are invalid_argument', () => {
    expect(() => new MemoryStore({ retention: { inboxTtlMs: -1 } })).toThrow(
      expect.objectContaining({
        code: 'invalid_argument',
        message: 'invalid retention.inboxTtlMs -1: must be a safe integer >= 0',
      }),
    );
  });
});
