/**
 * The group actor: one per group, the owner of its membership and its log.
 *
 * - Membership up to 1024; admins change it; the creator is member and admin;
 *   when the last admin leaves, the longest-standing member becomes admin.
 * - A member's message is appended once to the group log (the group order,
 *   `gseq`; idempotent on `${from}/${id}`), acknowledged to the sender's actor,
 *   then fanned out to every member's actor.
 * - Fan-out is at-least-once and ordered per member: the group keeps each
 *   member's confirmed `gseq` (a cursor in the store, written lazily), resends
 *   what is unconfirmed, and names the predecessor (`prevGseq`) so a member
 *   never accepts a message before the one before it.
 * - Members only: posting, reading history and typing. Admins only: add and
 *   remove others.
 */
import {
  type ActorContext,
  type Behavior,
  ErrorCode,
  ParleyError,
  type Ref,
} from '../../runtime/index.ts';
import type { GroupMeta } from '../../store/index.ts';
import { GROUP_MEMBERS_MAX } from '../protocol/index.ts';
import type { ActivatorMsg } from '../virtual/index.ts';
import type { ChatEnv } from './env.ts';
import { errorJson, fromStored, groupHistoryFrame, json, toStored } from './frames-out.ts';
import { type EdgeMsg, type GroupMsg, type GroupReply, groupKey, userKey } from './messages.ts';

interface Member {
  /** Highest gseq the member's actor confirmed. */
  confirmed: number;
  /** Highest gseq sent to it. */
  sent: number;
  lastSentMs: number;
  dirty: boolean;
}

export interface GroupState {
  readonly id: string;
  epoch: number;
  meta: GroupMeta | undefined;
  head: number;
  readonly members: Map<string, Member>;
  routed: number;
  lastActiveMs: number;
  passivating: boolean;
  /** This group is on the store's wake list (some member has not confirmed everything). */
  wakeMarked: boolean;
}

export function groupActor(
  id: string,
  env: ChatEnv,
  activator: Ref<ActivatorMsg>,
): Behavior<GroupMsg, GroupState> {
  const { store, directory, config } = env;
  const owner = groupKey(id);

  async function init(ctx: ActorContext<GroupMsg>): Promise<GroupState> {
    const epoch = await store.acquireEpoch(owner);
    const meta = await store.getGroup(id);
    const newest = await store.groupHistory(id, null, 1);
    const head = newest.entries.at(-1)?.gseq ?? 0;
    const cursors = await store.cursors(owner);
    const members = new Map<string, Member>();
    for (const m of meta?.members ?? []) {
      const confirmed = cursors[m] ?? head;
      members.set(m, {
        confirmed,
        sent: confirmed,
        lastSentMs: 0,
        dirty: cursors[m] === undefined,
      });
    }
    ctx.sendAfter(config.tickMs, { t: 'tick' });
    return {
      id,
      epoch,
      meta,
      head,
      members,
      routed: 0,
      lastActiveMs: ctx.clock.now(),
      passivating: false,
      // Unknown after a restart: assume marked, so the first quiet tick clears it.
      wakeMarked: true,
    };
  }

  async function receive(
    s: GroupState,
    msg: GroupMsg,
    ctx: ActorContext<GroupMsg>,
  ): Promise<GroupState> {
    // Only messages the activator routed count (not its own handoff/introspect, nor ticks).
    if (
      msg.t !== 'tick' &&
      msg.t !== 'passivated' &&
      msg.t !== 'handoff' &&
      msg.t !== 'introspect'
    ) {
      s.routed++;
      s.lastActiveMs = ctx.clock.now();
      s.passivating = false;
    }
    try {
      switch (msg.t) {
        case 'create':
          await create(s, msg, ctx);
          break;
        case 'change':
          await change(s, msg, ctx);
          break;
        case 'post':
          await post(s, msg, ctx);
          break;
        case 'confirm': {
          const m = s.members.get(msg.member);
          if (m !== undefined && msg.gseq > m.confirmed) {
            m.confirmed = msg.gseq;
            m.dirty = true;
          }
          break;
        }
        case 'gap': {
          const m = s.members.get(msg.member);
          if (m !== undefined) await resend(s, msg.member, m, ctx);
          break;
        }
        case 'history':
          await history(s, msg, ctx);
          break;
        case 'typing':
          if (s.members.has(msg.from)) {
            for (const m of s.members.keys()) {
              if (m !== msg.from)
                directory.send(userKey(m), {
                  t: 'typing',
                  from: msg.from,
                  group: id,
                  status: msg.status,
                });
            }
          }
          break;
        case 'tick':
          await tick(s, ctx);
          break;
        case 'wake':
          break;
        case 'passivated':
          await flushCursors(s);
          ctx.stop('normal');
          break;
        case 'handoff':
          // The key moved: everything before this is done; write the cursors and stop.
          await flushCursors(s);
          ctx.stop('normal');
          break;
        case 'introspect':
          ctx.send(msg.replyTo, { epoch: s.epoch, members: s.members.size });
          break;
      }
    } catch (err) {
      if (
        msg.t === 'post' &&
        err instanceof ParleyError &&
        err.code === ErrorCode.InvalidArgument
      ) {
        // A value the store refuses is a bad frame, not an outage to retry forever.
        answer(msg, { ok: false, code: 'bad_frame', message: err.message }, ctx);
        return s;
      }
      if (err instanceof ParleyError && err.code === ErrorCode.Fenced) {
        ctx.log.warn(
          { group: id, err: err.message },
          'group actor fenced by a newer owner: stopping',
        );
        ctx.stop({ shutdown: 'fenced' });
        return s;
      }
      if (
        err instanceof ParleyError &&
        (err.code === ErrorCode.Unavailable || err.code === ErrorCode.Indeterminate)
      ) {
        ctx.log.warn({ group: id, msg: msg.t, err: err.message }, 'store unavailable');
        // The post may be in the log (a lost answer looks like a failure):
        // the sender posts it again before anything later (`retry`), and the
        // log's one entry per id then says where it is.
        if (msg.t === 'post')
          answer(
            msg,
            {
              ok: false,
              code: 'unavailable',
              message: 'could not store the message now; send it again later',
              retry: true,
            },
            ctx,
          );
        if (msg.t === 'create' || msg.t === 'change') {
          ctx.send(msg.edge, {
            t: 'push',
            json: errorJson('unavailable', 'could not store the group now; retry later', {
              ref: msg.ref,
            }),
          });
        }
        return s;
      }
      throw err;
    }
    return s;
  }

  /** Answers a `post` to the sender's user actor. */
  function answer(
    p: Extract<GroupMsg, { t: 'post' }>,
    reply: GroupReply,
    ctx: ActorContext<GroupMsg>,
  ): void {
    ctx.send(p.replyTo, { t: 'posted', group: id, id: p.msg.id, reply });
  }

  function frame(s: GroupState, ref?: string) {
    const meta = s.meta!;
    return {
      type: 'group' as const,
      ...(ref !== undefined ? { ref } : {}),
      id,
      name: meta.name,
      members: meta.members,
      admins: meta.admins,
    };
  }

  function notify(s: GroupState, users: Iterable<string>): void {
    const f = frame(s);
    for (const u of users) directory.send(userKey(u), { t: 'group_changed', frame: f });
  }

  function refuse(
    edge: Ref<EdgeMsg>,
    code: 'forbidden' | 'not_found' | 'bad_frame',
    message: string,
    ref: string,
    ctx: ActorContext<GroupMsg>,
  ): void {
    ctx.send(edge, { t: 'push', json: errorJson(code, message, { ref }) });
  }

  async function create(
    s: GroupState,
    msg: Extract<GroupMsg, { t: 'create' }>,
    ctx: ActorContext<GroupMsg>,
  ): Promise<void> {
    if (s.meta !== undefined) {
      refuse(msg.edge, 'forbidden', `group "${id}" already exists`, msg.ref, ctx);
      return;
    }
    const members = [...new Set([msg.by, ...msg.members])];
    if (members.length > GROUP_MEMBERS_MAX) {
      refuse(
        msg.edge,
        'bad_frame',
        `a group has at most ${GROUP_MEMBERS_MAX} members, got ${members.length}`,
        msg.ref,
        ctx,
      );
      return;
    }
    s.meta = await store.saveGroup(
      {
        id,
        name: msg.name,
        members,
        admins: [msg.by],
        createdBy: msg.by,
        createdTs: ctx.clock.now(),
      },
      0,
    );
    for (const m of members)
      s.members.set(m, { confirmed: s.head, sent: s.head, lastSentMs: 0, dirty: true });
    await flushCursors(s);
    ctx.send(msg.edge, { t: 'push', json: json(frame(s, msg.ref)) });
    notify(s, members);
  }

  async function change(
    s: GroupState,
    msg: Extract<GroupMsg, { t: 'change' }>,
    ctx: ActorContext<GroupMsg>,
  ): Promise<void> {
    const meta = s.meta;
    if (meta === undefined) {
      refuse(msg.edge, 'not_found', `no group "${id}"`, msg.ref, ctx);
      return;
    }
    if (!meta.members.includes(msg.by)) {
      refuse(msg.edge, 'forbidden', `you are not a member of group "${id}"`, msg.ref, ctx);
      return;
    }
    let members = [...meta.members];
    let admins = [...meta.admins];
    const before = new Set(members);
    if (msg.op === 'group.leave') {
      members = members.filter((m) => m !== msg.by);
      admins = admins.filter((a) => a !== msg.by);
    } else {
      if (!admins.includes(msg.by)) {
        refuse(
          msg.edge,
          'forbidden',
          `only an admin of group "${id}" can ${msg.op === 'group.add' ? 'add' : 'remove'} members`,
          msg.ref,
          ctx,
        );
        return;
      }
      if (msg.op === 'group.add') {
        members = [...new Set([...members, ...msg.members])];
        if (members.length > GROUP_MEMBERS_MAX) {
          refuse(
            msg.edge,
            'bad_frame',
            `a group has at most ${GROUP_MEMBERS_MAX} members; this would make ${members.length}`,
            msg.ref,
            ctx,
          );
          return;
        }
      } else {
        const gone = new Set(msg.members);
        members = members.filter((m) => !gone.has(m));
        admins = admins.filter((a) => !gone.has(a));
      }
    }
    if (admins.length === 0 && members.length > 0) admins = [members[0]!];
    s.meta = await store.saveGroup(
      {
        id,
        name: meta.name,
        members,
        admins,
        createdBy: meta.createdBy,
        createdTs: meta.createdTs,
      },
      meta.version,
    );
    for (const m of members) {
      if (!s.members.has(m))
        s.members.set(m, { confirmed: s.head, sent: s.head, lastSentMs: 0, dirty: true });
    }
    for (const m of [...s.members.keys()]) if (!members.includes(m)) s.members.delete(m);
    await flushCursors(s);
    ctx.send(msg.edge, { t: 'push', json: json(frame(s, msg.ref)) });
    notify(s, new Set([...before, ...members]));
  }

  async function post(
    s: GroupState,
    p: Extract<GroupMsg, { t: 'post' }>,
    ctx: ActorContext<GroupMsg>,
  ): Promise<void> {
    const { msg } = p;
    if (s.meta === undefined) {
      answer(p, { ok: false, code: 'not_found', message: `no group "${id}"` }, ctx);
      return;
    }
    if (!s.members.has(msg.from)) {
      answer(
        p,
        { ok: false, code: 'forbidden', message: `you are not a member of group "${id}"` },
        ctx,
      );
      return;
    }
    const record = {
      key: `${msg.from}/${msg.id}`,
      from: msg.from,
      id: msg.id,
      ts: msg.ts,
      content: toStored(msg.content),
      device: msg.device,
    };
    if (!s.wakeMarked) {
      await store.markWake(owner);
      s.wakeMarked = true;
    }
    const [result] = await store.appendGroupLog(id, s.epoch, [record]);
    if (result!.duplicate) {
      const [existing] = await store.readGroupLog(id, result!.seq - 1, 1);
      answer(p, { ok: true, gseq: result!.seq, ts: existing?.ts ?? msg.ts }, ctx);
      return;
    }
    const gseq = result!.seq;
    s.head = gseq;
    answer(p, { ok: true, gseq, ts: msg.ts }, ctx);
    const now = ctx.clock.now();
    // One payload per node holding members (`sendMany`), in two variants: for
    // members that confirmed everything before it, and for those that did not
    // (they take it only once they hold its predecessor).
    const caughtUp: string[] = [];
    const behind: string[] = [];
    for (const [user, m] of s.members) {
      // Only members in step get it now; one behind waits for its resend, in order.
      if (m.sent !== gseq - 1) continue;
      (m.confirmed >= gseq - 1 ? caughtUp : behind).push(userKey(user));
      m.sent = gseq;
      m.lastSentMs = now;
    }
    const deliver = { t: 'group_deliver', group: id, gseq, msg } as const;
    if (caughtUp.length > 0) directory.sendMany(caughtUp, { ...deliver, prevGseq: null });
    if (behind.length > 0) directory.sendMany(behind, { ...deliver, prevGseq: gseq - 1 });
  }

  async function resend(
    s: GroupState,
    user: string,
    m: Member,
    ctx: ActorContext<GroupMsg>,
  ): Promise<void> {
    if (m.confirmed >= s.head) return;
    const entries = await store.readGroupLog(id, m.confirmed, config.resendBatch);
    const now = ctx.clock.now();
    let prev: number | null = null;
    for (const e of entries) {
      directory.send(userKey(user), {
        t: 'group_deliver',
        group: id,
        gseq: e.gseq,
        prevGseq: prev,
        msg: {
          from: e.from,
          id: e.id,
          ts: e.ts,
          content: fromStored(e.content),
          device: e.device ?? '',
        },
      });
      prev = e.gseq;
      m.sent = Math.max(m.sent, e.gseq);
    }
    m.lastSentMs = now;
  }

  async function history(
    s: GroupState,
    msg: Extract<GroupMsg, { t: 'history' }>,
    ctx: ActorContext<GroupMsg>,
  ): Promise<void> {
    const ref = msg.ref;
    if (s.meta === undefined || !s.members.has(msg.by)) {
      const code = s.meta === undefined ? 'not_found' : 'forbidden';
      const text =
        s.meta === undefined ? `no group "${id}"` : `you are not a member of group "${id}"`;
      ctx.send(msg.edge, {
        t: 'push',
        json: errorJson(code, text, ref !== undefined ? { ref } : {}),
      });
      return;
    }
    const page = await store.groupHistory(id, msg.before, msg.limit);
    ctx.send(msg.edge, {
      t: 'push',
      json: json({
        type: 'history',
        group: id,
        ...(ref !== undefined ? { ref } : {}),
        messages: page.entries.map(groupHistoryFrame),
        next: page.nextBeforeSeq === null ? null : String(page.nextBeforeSeq),
      }),
    });
  }

  /**
   * Writes the dirty member cursors, all at once: the store can put them in
   * one transaction (LMDB batches the writes of one turn), so a new group of
   * 1024 costs one commit rather than 1024 in a row. Cursors only move up, so
   * the writes commute.
   */
  async function flushCursors(s: GroupState): Promise<void> {
    const dirty = [...s.members].filter(([, m]) => m.dirty);
    await Promise.all(dirty.map(([user, m]) => store.advanceCursor(owner, user, m.confirmed)));
    for (const [, m] of dirty) m.dirty = false;
  }

  async function tick(s: GroupState, ctx: ActorContext<GroupMsg>): Promise<void> {
    // The next tick first: a store error below must not end the resends for good.
    ctx.sendAfter(config.tickMs, { t: 'tick' });
    const now = ctx.clock.now();
    // An incarnation that lived on through a partition on the other side may
    // have missed entries a newer one appended (its own writes would be
    // fenced, but a group with no new post writes nothing): learn the log's
    // head, so what members have not confirmed is resent (partition-heal).
    const newest = (await store.groupHistory(id, null, 1)).entries.at(-1)?.gseq ?? 0;
    if (newest > s.head) s.head = newest;
    for (const [user, m] of s.members) {
      if (m.confirmed < s.head && now - m.lastSentMs >= config.resendIntervalMs)
        await resend(s, user, m, ctx);
    }
    await flushCursors(s);
    const allConfirmed = [...s.members.values()].every((m) => m.confirmed >= s.head);
    if (allConfirmed && s.wakeMarked) {
      await store.clearWake(owner);
      s.wakeMarked = false;
    }
    if (!s.passivating && allConfirmed && now - s.lastActiveMs >= config.idlePassivateMs) {
      s.passivating = true;
      ctx.send(activator, { t: 'passivate', key: owner, ref: ctx.self, received: s.routed });
    }
  }

  return { name: 'group', init, receive };
}
