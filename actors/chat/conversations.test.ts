/**
 * The v1.1 handlers of the user actor on a MemoryStore: the chat list reply
 * (items, current group names, cursor, refused cursors), `group.info`
 * (member, non-member, unknown group) and `read` pushed only to the other
 * devices and only when the watermark rose.
 */
import { describe, expect, it } from 'vitest';
import type { ActorContext, Ref } from '../../runtime/index.ts';
import { type InboxAppend, MemoryStore } from '../../store/index.ts';
import { answerConversations, answerGroupInfo } from './conversations.ts';
import type { EdgeMsg, UserMsg } from './messages.ts';
import { onReadAck } from './read-state.ts';

function harness() {
  const pushed: { to: string; frame: Record<string, unknown> }[] = [];
  const ctx = {
    clock: { now: () => 1234 },
    send(ref: { name: string }, msg: EdgeMsg) {
      if (msg.t === 'push') pushed.push({ to: ref.name, frame: JSON.parse(msg.json) });
    },
  } as unknown as ActorContext<UserMsg>;
  const edge = (name: string) => ({ name }) as unknown as Ref<EdgeMsg>;
  return { pushed, ctx, edge };
}

const dm = (from: string, id: string, to: string, conversation: string): InboxAppend => ({
  record: { key: `${from}/${id}`, from, id, to, ts: 7, content: { type: 'text', body: id } },
  conversation,
});

describe('answerConversations', () => {
  it('answers the chat list with items, the current group name and a cursor', async () => {
    const store = new MemoryStore();
    const epoch = await store.acquireEpoch('user:bob');
    await store.saveGroup(
      {
        id: 'g1',
        name: 'Old',
        members: ['bob', 'dave'],
        admins: ['dave'],
        createdBy: 'dave',
        createdTs: 1,
      },
      0,
    );
    await store.appendInbox('bob', epoch, [
      dm('alice', 'a1', 'bob', 'u:alice'),
      dm('bob', 'b1', 'carol', 'u:carol'),
      {
        record: {
          key: 'g/g1/dave/d1',
          from: 'dave',
          id: 'd1',
          group: 'g1',
          gseq: 1,
          ts: 8,
          content: { type: 'text', body: 'd1' },
        },
        conversation: 'g:g1',
      },
    ]);
    const meta = await store.getGroup('g1');
    await store.saveGroup({ ...meta!, name: 'New' }, meta!.version);
    const { pushed, ctx, edge } = harness();
    await answerConversations(
      store,
      'bob',
      edge('e'),
      { type: 'conversations', ref: 'r', limit: 2 },
      ctx,
    );
    expect(pushed).toEqual([
      {
        to: 'e',
        frame: {
          type: 'conversations',
          ref: 'r',
          items: [
            {
              group: 'g1',
              name: 'New',
              last: {
                type: 'message',
                id: 'd1',
                from: 'dave',
                group: 'g1',
                gseq: 1,
                seq: 3,
                ts: 8,
                content: { type: 'text', body: 'd1' },
              },
              unread: 1,
              readUpTo: 0,
            },
            {
              with: 'carol',
              last: {
                type: 'message',
                id: 'b1',
                from: 'bob',
                to: 'carol',
                seq: 2,
                ts: 7,
                content: { type: 'text', body: 'b1' },
              },
              unread: 0,
              readUpTo: 0,
            },
          ],
          next: '2',
        },
      },
    ]);
    await answerConversations(
      store,
      'bob',
      edge('e'),
      { type: 'conversations', ref: 's', before: '2', limit: 2 },
      ctx,
    );
    expect(pushed[1]!.frame).toMatchObject({
      ref: 's',
      items: [{ with: 'alice', unread: 1 }],
      next: null,
    });
  });

  it.each(['abc', '0', '01', '1e3', '99999999999999999'])(
    'refuses the cursor %j with bad_frame and the ref',
    async (before) => {
      const { pushed, ctx, edge } = harness();
      await answerConversations(
        new MemoryStore(),
        'bob',
        edge('e'),
        { type: 'conversations', ref: 'r', before, limit: 5 },
        ctx,
      );
      expect(pushed.map((p) => p.frame)).toEqual([
        {
          type: 'error',
          code: 'bad_frame',
          message: `field "before" must be a cursor from a previous conversations page, got ${JSON.stringify(before)}`,
          ref: 'r',
        },
      ]);
    },
  );
});

describe('answerGroupInfo', () => {
  it('answers members with the group, others forbidden, an unknown group not_found', async () => {
    const store = new MemoryStore();
    await store.saveGroup(
      { id: 'g1', name: 'T', members: ['a', 'b'], admins: ['a'], createdBy: 'a', createdTs: 1 },
      0,
    );
    const { pushed, ctx, edge } = harness();
    await answerGroupInfo(
      store,
      'b',
      edge('e'),
      { type: 'group.info', ref: 'r1', group: 'g1' },
      ctx,
    );
    await answerGroupInfo(
      store,
      'x',
      edge('e'),
      { type: 'group.info', ref: 'r2', group: 'g1' },
      ctx,
    );
    await answerGroupInfo(
      store,
      'b',
      edge('e'),
      { type: 'group.info', ref: 'r3', group: 'nope' },
      ctx,
    );
    expect(pushed.map((p) => p.frame)).toEqual([
      { type: 'group', ref: 'r1', id: 'g1', name: 'T', members: ['a', 'b'], admins: ['a'] },
      {
        type: 'error',
        code: 'forbidden',
        message: 'you are not a member of group "g1"',
        ref: 'r2',
      },
      { type: 'error', code: 'not_found', message: 'no group "nope"', ref: 'r3' },
    ]);
  });
});

describe('onReadAck', () => {
  it('pushes read to the other devices only, and only when the watermark rose', async () => {
    const store = new MemoryStore();
    const epoch = await store.acquireEpoch('user:bob');
    await store.appendInbox('bob', epoch, [
      dm('alice', 'a1', 'bob', 'u:alice'),
      dm('alice', 'a2', 'bob', 'u:alice'),
    ]);
    const { pushed, ctx, edge } = harness();
    const s = {
      sessions: new Map([
        ['phone', { edge: edge('phone') }],
        ['laptop', { edge: edge('laptop') }],
        ['tab', { edge: edge('tab') }],
      ]),
    };
    const ack = (id: string) => ({ type: 'ack', id, from: 'alice', status: 'read' }) as const;
    await onReadAck(store, 'bob', epoch, s, 'phone', ack('a2'), 2, ctx);
    expect(pushed).toEqual([
      { to: 'laptop', frame: { type: 'read', with: 'alice', upTo: 2, ts: 1234 } },
      { to: 'tab', frame: { type: 'read', with: 'alice', upTo: 2, ts: 1234 } },
    ]);
    await onReadAck(store, 'bob', epoch, s, 'laptop', ack('a1'), 1, ctx);
    expect(pushed).toHaveLength(2);
    expect((await store.conversations('bob', null, 5)).items[0]).toMatchObject({
      unread: 0,
      readUpTo: 2,
    });
  });
});
