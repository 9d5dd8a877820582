/**
 * The user actor: one per user, the owner of that user's inbox.
 *
 * What it guarantees (PROTOCOL.md):
 * - `sent` only after the message is in the sender's own inbox (durable), with
 *   its pending marks for the recipient, in one atomic store write;
 *   a repeated `id` gets the same `sent` again and nothing else (the store's
 *   append is idempotent on `${user}/${id}`).
 * - Forwards to the recipient until it confirms; the recipient accepts a
 *   forward only after its predecessor (`prevKey`), so order survives loss.
 * - Every device gets every inbox entry after its delivered cursor on attach,
 *   in `seq` order, then live entries; a device's own sends are not pushed
 *   back to it.
 * - Receipts are relayed to the sender's actor, which keeps them monotonic
 *   (the store refuses a downgrade; `delivered` after an implied `read` is
 *   dropped) and pushes them to every device of the sender.
 * - A client frame the store refuses (`invalid_argument`) is answered
 *   `bad_frame`, never `unavailable` (which clients retry forever), and the
 *   actor goes on with the next frame instead of crashing.
 *
 * Invariant: the actor handles one message at a time (the runtime awaits
 * async handlers), so inbox appends, pushes and cursor moves never interleave.
 * A fenced write means a newer owner exists: the actor stops.
 */
import {
  type ActorContext,
  type Behavior,
  type Down,
  ErrorCode,
  ParleyError,
  type Ref,
} from '../../runtime/index.ts';
import type { InboxEntry, Receipt, ReceiptEntry } from '../../store/index.ts';
import type {
  ClientAckFrame,
  ClientFrame,
  ClientMessageFrame,
  HistoryRequestFrame,
} from '../protocol/index.ts';
import type { ActivatorMsg } from '../virtual/index.ts';
import { AckOrder } from './ack-order.ts';
import { answerConversations, answerGroupInfo } from './conversations.ts';
import type { ChatEnv } from './env.ts';
import { errorJson, fromStored, json, messageFrame, receiptFrame, toStored } from './frames-out.ts';
import { newGroupId } from './ids.ts';
import {
  type EdgeMsg,
  type GroupReply,
  groupKey,
  type MessageCore,
  type UserMsg,
  userKey,
} from './messages.ts';
import { Outbound } from './outbound.ts';
import { onReadAck } from './read-state.ts';
import { attach, flushCursors, markReceipts, pushAppended, replay } from './user-sessions.ts';
import type { UserState } from './user-state.ts';

/** A group post is tried this many times, each waiting this long for the group's answer. */
const POST_ATTEMPTS = 3;
const POST_TIMEOUT_MS = 5000;
const POST_RETRY_MS = 500;
const LAST_ACCEPTED_MAX = 10_000;
/** The contract's bound on items per call. */
const RECEIPTS_PER_WRITE = 1000;
/** Out-of-order acks remembered per device; past it they are forgotten (and may be replayed once more). */
const ACKED_ABOVE_MAX = 10_000;

export function userActor(
  user: string,
  env: ChatEnv,
  activator: Ref<ActivatorMsg>,
): Behavior<UserMsg, UserState> {
  const { store, directory, config } = env;

  async function init(ctx: ActorContext<UserMsg>): Promise<UserState> {
    const epoch = await store.acquireEpoch(userKey(user));
    const head = await store.inboxHead(user);
    const cursors = new Map<string, number>(Object.entries(await store.cursors(user)));
    const outbound = new Outbound();
    for (const p of await store.listPending(user, 100_000)) {
      const e = p.entry;
      outbound.add(p.recipient, {
        senderSeq: e.seq,
        key: e.key,
        msg: core(e),
        lastSentMs: 0,
      });
    }
    ctx.sendAfter(config.tickMs, { t: 'tick' });
    return {
      user,
      epoch,
      sessions: new Map(),
      outbound,
      cursors,
      dirtyCursors: new Set(),
      lastAccepted: new Map(),
      acks: new AckOrder(),
      pushedUpTo: head,
      ackedAbove: new Map(),
      routed: 0,
      lastActiveMs: ctx.clock.now(),
      passivating: false,
      wakeMarked: outbound.size > 0,
      confirmBuf: [],
      receiptBuf: [],
      flushScheduled: false,
    };
  }

  async function receive(
    s: UserState,
    msg: UserMsg,
    ctx: ActorContext<UserMsg>,
  ): Promise<UserState> {
    // Only messages the activator routed count (not its own handoff/introspect, nor self-sends).
    if (
      msg.t !== 'tick' &&
      msg.t !== 'passivated' &&
      msg.t !== 'flush' &&
      msg.t !== 'handoff' &&
      msg.t !== 'introspect'
    ) {
      s.routed++;
      s.lastActiveMs = ctx.clock.now();
      s.passivating = false;
    }
    try {
      switch (msg.t) {
        case 'attach':
          await attach(env, s, msg.device, msg.edge, ctx);
          break;
        case 'replay_more': {
          const session = s.sessions.get(msg.device);
          if (session?.edge.equals(msg.edge) && session.phase !== 'live') {
            await replay(env, s, msg.device, session, ctx);
          }
          break;
        }
        case 'detach': {
          const session = s.sessions.get(msg.device);
          if (session?.edge.equals(msg.edge)) {
            ctx.demonitor(session.monitor);
            s.sessions.delete(msg.device);
          }
          await flushCursors(env, s);
          break;
        }
        case 'client':
          await onClient(s, msg.device, msg.edge, msg.frame, ctx);
          break;
        case 'deliver':
          await onDeliver(s, msg.msg, msg.senderSeq, msg.prevKey, ctx);
          break;
        case 'confirm':
          s.confirmBuf.push(msg);
          scheduleFlush(s, ctx);
          break;
        case 'flush':
          s.flushScheduled = false;
          await flushBuffered(s, ctx);
          break;
        case 'wake':
          break;
        case 'gap':
          resend(s, msg.recipient, ctx.clock.now());
          break;
        case 'group_deliver':
          await onGroupDeliver(s, msg.group, msg.gseq, msg.prevGseq, msg.msg, ctx);
          break;
        case 'receipt':
          s.receiptBuf.push(msg);
          scheduleFlush(s, ctx);
          break;
        case 'typing':
          broadcast(
            s,
            ctx,
            json({
              type: 'typing',
              from: msg.from,
              status: msg.status,
              ...(msg.group ? { group: msg.group } : {}),
            }),
          );
          break;
        case 'group_changed':
          broadcast(s, ctx, json(msg.frame));
          break;
        case 'tick':
          await onTick(s, ctx);
          break;
        case 'passivated':
          await flushCursors(env, s);
          ctx.stop('normal');
          break;
        case 'handoff':
          // The key moved: everything before this is done; write what is buffered and stop.
          await flushBuffered(s, ctx);
          await flushCursors(env, s);
          ctx.stop('normal');
          break;
        case 'introspect':
          ctx.send(msg.replyTo, { epoch: s.epoch, devices: [...s.sessions.keys()] });
          break;
      }
    } catch (err) {
      if (err instanceof ParleyError && err.code === ErrorCode.Fenced) {
        ctx.log.warn({ user, err: err.message }, 'user actor fenced by a newer owner: stopping');
        ctx.stop({ shutdown: 'fenced' });
        return s;
      }
      if (
        msg.t === 'client' &&
        err instanceof ParleyError &&
        err.code === ErrorCode.InvalidArgument
      ) {
        // The store refused a value the client sent: the frame is bad, and the
        // store is not down (an `unavailable` would be retried forever).
        ctx.log.warn(
          { user, frame: msg.frame.type, err: err.message },
          'store refused a client frame',
        );
        refuseClientFrame(
          msg.edge,
          msg.frame,
          'bad_frame',
          `the frame could not be stored: ${err.message}`,
          ctx,
        );
        return s;
      }
      if (
        err instanceof ParleyError &&
        (err.code === ErrorCode.Unavailable || err.code === ErrorCode.Indeterminate)
      ) {
        // The store is down: nothing is acked; senders and forwards retry.
        ctx.log.warn({ user, msg: msg.t, err: err.message }, 'store unavailable');
        // A message was answered where it failed; a request with a ref gets its answer here.
        if (msg.t === 'client' && msg.frame.type !== 'message' && msg.frame.ref !== undefined)
          refuseClientFrame(
            msg.edge,
            msg.frame,
            'unavailable',
            'the store is unavailable; retry later',
            ctx,
          );
        return s;
      }
      throw err;
    }
    return s;
  }

  /** An `error` frame about `frame`: its `ref`, and its `id` only for a message (an ack's id names someone else's message). */
  function refuseClientFrame(
    edge: Ref<EdgeMsg>,
    frame: ClientFrame,
    code: 'bad_frame' | 'unavailable',
    message: string,
    ctx: ActorContext<UserMsg>,
  ): void {
    const echo = {
      ...(frame.ref !== undefined ? { ref: frame.ref } : {}),
      ...(frame.type === 'message' ? { id: frame.id } : {}),
    };
    ctx.send(edge, { t: 'push', json: errorJson(code, message, echo) });
  }

  /** Pushes one encoded frame to every session of this user but `exceptDevice`. */
  function broadcast(
    s: UserState,
    ctx: ActorContext<UserMsg>,
    text: string,
    exceptDevice?: string,
  ): void {
    for (const [device, session] of s.sessions) {
      if (device !== exceptDevice) ctx.send(session.edge, { t: 'push', json: text });
    }
  }

  // ---- client frames -----------------------------------------------------------

  async function onClient(
    s: UserState,
    device: string,
    edge: Ref<EdgeMsg>,
    frame: ClientFrame,
    ctx: ActorContext<UserMsg>,
  ): Promise<void> {
    switch (frame.type) {
      case 'message':
        if (frame.to !== undefined) await sendDirect(s, device, edge, frame, ctx);
        else await sendToGroup(s, device, edge, frame, ctx);
        return;
      case 'ack':
        await onClientAck(s, device, frame, ctx);
        return;
      case 'typing':
        if (frame.to !== undefined)
          directory.send(userKey(frame.to), { t: 'typing', from: user, status: frame.status });
        else
          directory.send(groupKey(frame.group), { t: 'typing', from: user, status: frame.status });
        return;
      case 'history':
        await onHistory(edge, frame, ctx);
        return;
      case 'conversations':
        await answerConversations(store, user, edge, frame, ctx);
        return;
      case 'group.info':
        await answerGroupInfo(store, user, edge, frame, ctx);
        return;
      case 'group.create':
        directory.send(groupKey(newGroupId(ctx.random)), {
          t: 'create',
          by: user,
          name: frame.name,
          members: frame.members,
          ref: frame.ref,
          edge,
        });
        return;
      case 'group.add':
      case 'group.remove':
        directory.send(groupKey(frame.group), {
          t: 'change',
          op: frame.type,
          by: user,
          members: frame.members,
          ref: frame.ref,
          edge,
        });
        return;
      case 'group.leave':
        directory.send(groupKey(frame.group), {
          t: 'change',
          op: frame.type,
          by: user,
          members: [],
          ref: frame.ref,
          edge,
        });
        return;
      default:
        // ping, presence.subscribe and settings are the edge's.
        ctx.send(edge, {
          t: 'push',
          json: errorJson('bad_frame', `frame type "${frame.type}" is handled by the edge`),
        });
    }
  }

  async function sendDirect(
    s: UserState,
    device: string,
    edge: Ref<EdgeMsg>,
    frame: ClientMessageFrame & { to: string },
    ctx: ActorContext<UserMsg>,
  ): Promise<void> {
    const key = `${user}/${frame.id}`;
    const ts = ctx.clock.now();
    const to = frame.to;
    const record = {
      key,
      from: user,
      id: frame.id,
      to,
      ts,
      content: toStored(frame.content),
      device,
    };
    let result: { seq: number; duplicate: boolean };
    try {
      // On the wake list before the pending mark exists: a crash in between
      // leaves at worst a spurious mark, never a forward nobody will resend.
      if (to !== user && !s.wakeMarked) {
        await store.markWake(userKey(user));
        s.wakeMarked = true;
      }
      [result] = (await store.appendInbox(user, s.epoch, [
        { record, conversation: `u:${to}`, pendingFor: to === user ? [] : [to] },
      ])) as [{ seq: number; duplicate: boolean }];
    } catch (err) {
      // Only an outage is answered here: a refused argument is answered
      // `bad_frame` by `receive`, and after a crash (a bug) the edge submits
      // the message again to the next incarnation.
      if (
        err instanceof ParleyError &&
        (err.code === ErrorCode.Unavailable || err.code === ErrorCode.Indeterminate)
      )
        ctx.send(edge, {
          t: 'push',
          json: errorJson('unavailable', 'could not store the message now; send it again later', {
            id: frame.id,
          }),
        });
      throw err;
    }
    if (result.duplicate) {
      // Sent again by the client: stored before, but the first attempt may have
      // stopped at a lost store reply, before its copies and its forward went
      // out. Both go (again): devices and the recipient drop repeats.
      const existing = await store.findByKey(user, key);
      const stamp = existing?.ts ?? ts;
      ctx.send(edge, sentAck(frame.id, stamp, s.acks.known(device, frame.id)));
      if (existing === undefined) return;
      await pushAppended(env, s, ctx, existing.seq, json(messageFrame(existing)), device);
      // The stored recipient, not this frame's: a repeated id reaches nobody else (guarantee 2).
      const stored = existing.to;
      if (stored !== undefined && stored !== user && !s.outbound.has(stored, key))
        forward(s, stored, key, core(existing), existing.seq, ts);
      return;
    }
    ctx.send(edge, sentAck(frame.id, ts, s.acks.stored(device, frame.id)));
    await pushAppended(
      env,
      s,
      ctx,
      result.seq,
      json(messageFrame({ ...record, user, seq: result.seq })),
      device,
    );
    if (to === user) return;
    const msg: MessageCore = { from: user, id: frame.id, ts, content: frame.content, device };
    forward(s, to, key, msg, result.seq, ts);
  }

  /** The `sent` ack of `id` for the edge, naming the message stored before it from the device. */
  function sentAck(id: string, ts: number, prior: string | undefined): EdgeMsg {
    const text = json({ type: 'ack', id, status: 'sent', ts });
    return prior === undefined ? { t: 'push', json: text } : { t: 'push', json: text, prior };
  }

  /** Forwards an outbound message to its recipient, pending until confirmed (resent in order). */
  function forward(
    s: UserState,
    to: string,
    key: string,
    msg: MessageCore,
    senderSeq: number,
    nowMs: number,
  ): void {
    const prevKey = s.outbound.add(to, { senderSeq, key, msg, lastSentMs: nowMs });
    directory.send(userKey(to), { t: 'deliver', to, msg, senderSeq, prevKey });
  }

  async function sendToGroup(
    s: UserState,
    device: string,
    edge: Ref<EdgeMsg>,
    frame: ClientMessageFrame & { group: string },
    ctx: ActorContext<UserMsg>,
  ): Promise<void> {
    const msg: MessageCore = {
      from: user,
      id: frame.id,
      ts: ctx.clock.now(),
      content: frame.content,
      device,
    };
    let reply: GroupReply | undefined;
    for (let attempt = 1; reply === undefined; attempt++) {
      try {
        reply = await directory.ask(
          groupKey(frame.group),
          (replyTo) => ({ t: 'post', msg, replyTo }),
          POST_TIMEOUT_MS,
        );
      } catch {
        // The post may have landed and its reply been lost. Posting it again (the
        // group keeps one entry per id) before anything else from this user keeps
        // the device's messages in order; answering `unavailable` at once let the
        // next message be acked first while this one was stored first (found by
        // the simulator: link-loss seed 3).
        if (attempt < POST_ATTEMPTS) {
          await new Promise<void>((resolve) => ctx.clock.setTimer(POST_RETRY_MS, resolve));
          continue;
        }
        ctx.send(edge, {
          t: 'push',
          json: errorJson('unavailable', 'the group did not answer; send it again later', {
            id: frame.id,
          }),
        });
        return;
      }
    }
    if (reply.ok) ctx.send(edge, sentAck(frame.id, reply.ts, s.acks.stored(device, frame.id)));
    else
      ctx.send(edge, { t: 'push', json: errorJson(reply.code, reply.message, { id: frame.id }) });
  }

  async function onClientAck(
    s: UserState,
    device: string,
    frame: ClientAckFrame,
    ctx: ActorContext<UserMsg>,
  ): Promise<void> {
    const key =
      frame.group !== undefined
        ? `g/${frame.group}/${frame.from}/${frame.id}`
        : `${frame.from}/${frame.id}`;
    const entry = await store.findByKey(user, key);
    // An ack for a message this user does not hold is ignored (docs/protocol.md).
    if (entry === undefined) return;
    // `delivered` (and `read`, which implies it) marks this message delivered to this device.
    await markDelivered(s, device, entry.seq);
    // The copy of one of this user's own sends on another device: acking it
    // stops its replay to that device, and is no receipt for anyone.
    if (entry.from === user) return;
    directory.send(userKey(frame.from), {
      t: 'receipt',
      id: frame.id,
      by: user,
      status: frame.status,
      ...(frame.group !== undefined ? { group: frame.group } : {}),
      ts: ctx.clock.now(),
    });
    if (frame.status === 'read')
      await onReadAck(store, user, s.epoch, s, device, frame, entry.seq, ctx);
  }

  /**
   * Records that `device` has `seq`, and moves its stored cursor over every
   * contiguous delivered entry: acked ones, the device's own sends (never
   * pushed to it) and seqs that no longer exist (expired).
   */
  async function markDelivered(s: UserState, device: string, seq: number): Promise<void> {
    const start = s.cursors.get(device) ?? 0;
    if (seq <= start) return;
    let above = s.ackedAbove.get(device);
    if (above === undefined) s.ackedAbove.set(device, (above = new Set()));
    above.add(seq);
    let cursor = start;
    for (;;) {
      if (above.delete(cursor + 1)) {
        cursor++;
        continue;
      }
      if (above.size === 0) break;
      const batch = await store.readInbox(user, cursor, config.replayBatch);
      let moved = false;
      for (const e of batch) {
        if (e.seq > cursor + 1) {
          cursor = e.seq - 1; // the seqs between have expired
          moved = true;
        }
        if (!(above.delete(e.seq) || (e.from === user && e.device === device))) break;
        cursor = e.seq;
        moved = true;
      }
      if (!moved) break;
    }
    if (above.size > ACKED_ABOVE_MAX) above.clear();
    if (cursor > start) {
      // Written on the next tick: a cursor behind after a crash only means a
      // few messages replayed once more, which clients drop as repeats.
      s.cursors.set(device, cursor);
      s.dirtyCursors.add(device);
    }
  }

  async function onHistory(
    edge: Ref<EdgeMsg>,
    frame: HistoryRequestFrame,
    ctx: ActorContext<UserMsg>,
  ): Promise<void> {
    const ref = frame.ref;
    let before: number | null = null;
    if (frame.before !== undefined) {
      before = /^[1-9][0-9]{0,15}$/.test(frame.before) ? Number(frame.before) : Number.NaN;
      if (Number.isNaN(before)) {
        ctx.send(edge, {
          t: 'push',
          json: errorJson(
            'bad_frame',
            `field "before" must be a cursor from a previous history page, got ${JSON.stringify(frame.before)}`,
            ref ? { ref } : {},
          ),
        });
        return;
      }
    }
    if (frame.group !== undefined) {
      directory.send(groupKey(frame.group), {
        t: 'history',
        by: user,
        before,
        limit: frame.limit,
        ref,
        edge,
      });
      return;
    }
    const page = await store.history(user, `u:${frame.with}`, before, frame.limit);
    ctx.send(edge, {
      t: 'push',
      json: json({
        type: 'history',
        with: frame.with,
        ...(ref !== undefined ? { ref } : {}),
        messages: page.entries.map(messageFrame),
        next: page.nextBeforeSeq === null ? null : String(page.nextBeforeSeq),
      }),
    });
  }

  // ---- from other actors -----------------------------------------------------------

  async function onDeliver(
    s: UserState,
    msg: MessageCore,
    senderSeq: number,
    prevKey: string | null,
    ctx: ActorContext<UserMsg>,
  ): Promise<void> {
    if (prevKey !== null && s.lastAccepted.get(msg.from) !== prevKey) {
      if ((await store.findByKey(user, prevKey)) === undefined) {
        directory.send(userKey(msg.from), { t: 'gap', recipient: user });
        return;
      }
    }
    const key = `${msg.from}/${msg.id}`;
    const record = {
      key,
      from: msg.from,
      id: msg.id,
      to: user,
      ts: msg.ts,
      content: toStored(msg.content),
      device: msg.device,
    };
    const [result] = await store.appendInbox(user, s.epoch, [
      { record, conversation: `u:${msg.from}` },
    ]);
    rememberAccepted(s, msg.from, key);
    // Pushed even when a duplicate: the first append may have landed with its
    // reply lost, before any push (devices drop repeats by `from`/`id`). A
    // session still replaying its inbox reads the entry from the store.
    await pushAppended(
      env,
      s,
      ctx,
      result!.seq,
      json(messageFrame({ ...record, user, seq: result!.seq })),
    );
    directory.send(userKey(msg.from), { t: 'confirm', recipient: user, senderSeq });
  }

  function rememberAccepted(s: UserState, from: string, key: string): void {
    s.lastAccepted.delete(from);
    s.lastAccepted.set(from, key);
    if (s.lastAccepted.size > LAST_ACCEPTED_MAX)
      s.lastAccepted.delete(s.lastAccepted.keys().next().value!);
  }

  async function onGroupDeliver(
    s: UserState,
    group: string,
    gseq: number,
    prevGseq: number | null,
    msg: MessageCore,
    ctx: ActorContext<UserMsg>,
  ): Promise<void> {
    const name = `g:${group}`;
    const have = s.cursors.get(name) ?? 0;
    if (gseq <= have) {
      directory.send(groupKey(group), { t: 'confirm', member: user, gseq });
      return;
    }
    if (prevGseq !== null && have < prevGseq) {
      directory.send(groupKey(group), { t: 'gap', member: user });
      return;
    }
    const key = `g/${group}/${msg.from}/${msg.id}`;
    const record = {
      key,
      from: msg.from,
      id: msg.id,
      group,
      gseq,
      ts: msg.ts,
      content: toStored(msg.content),
      device: msg.device,
    };
    const [result] = await store.appendInbox(user, s.epoch, [
      { record, conversation: `g:${group}` },
    ]);
    // Written lazily: a cursor behind after a crash only causes idempotent re-deliveries.
    s.cursors.set(name, gseq);
    s.dirtyCursors.add(name);
    // Pushed even when a duplicate (see `onDeliver`): the cursor above stops real repeats.
    const text = json(messageFrame({ ...record, user, seq: result!.seq }));
    await pushAppended(env, s, ctx, result!.seq, text, msg.from === user ? msg.device : undefined);
    directory.send(groupKey(group), { t: 'confirm', member: user, gseq });
  }

  function scheduleFlush(s: UserState, ctx: ActorContext<UserMsg>): void {
    if (s.flushScheduled) return;
    s.flushScheduled = true;
    ctx.send(ctx.self, { t: 'flush' });
  }

  /** Clears confirmed pending marks and records receipts, each in as few store writes as possible. */
  async function flushBuffered(s: UserState, ctx: ActorContext<UserMsg>): Promise<void> {
    const confirms = s.confirmBuf.splice(0);
    const clears: Promise<void>[] = [];
    for (const c of confirms) {
      for (const seq of s.outbound.confirm(c.recipient, c.senderSeq)) {
        clears.push(store.clearPending(user, seq, c.recipient));
      }
    }
    await Promise.all(clears);
    const receipts = s.receiptBuf.splice(0);
    if (receipts.length === 0) return;
    // `read` of a message implies it for every earlier one in the conversation:
    // after it, a `delivered` for an earlier message is stale and dropped.
    const raised = new Map<string, number>();
    const toRecord: Receipt[] = [];
    for (const r of receipts) {
      const key = r.group !== undefined ? `g/${r.group}/${user}/${r.id}` : `${user}/${r.id}`;
      const own = await store.findByKey(user, key);
      if (own === undefined) continue;
      const watermark = `rw:${r.group ?? ''}:${r.by}`;
      const readUpTo = Math.max(s.cursors.get(watermark) ?? 0, raised.get(watermark) ?? 0);
      if (r.status === 'delivered' && own.seq <= readUpTo) continue;
      if (r.status === 'read' && own.seq > readUpTo) raised.set(watermark, own.seq);
      toRecord.push({
        id: r.id,
        by: r.by,
        status: r.status,
        ts: r.ts,
        ...(r.group !== undefined ? { group: r.group } : {}),
      });
    }
    await Promise.all(
      [...raised].map(async ([watermark, seq]) => {
        s.cursors.set(watermark, await store.advanceCursor(user, watermark, seq));
      }),
    );
    for (let i = 0; i < toRecord.length; i += RECEIPTS_PER_WRITE) {
      const recorded = await store.recordReceipts(
        user,
        s.epoch,
        toRecord.slice(i, i + RECEIPTS_PER_WRITE),
      );
      for (const entry of recorded) pushReceipt(s, entry, ctx);
    }
  }

  function pushReceipt(s: UserState, entry: ReceiptEntry, ctx: ActorContext<UserMsg>): void {
    const text = json(receiptFrame(entry));
    for (const [device, session] of s.sessions) {
      if (session.phase !== 'live') continue; // its replay reads the receipt log
      ctx.send(session.edge, { t: 'push', json: text });
      if (session.receiptsUpTo === entry.rseq - 1) markReceipts(s, device, session, entry.rseq);
    }
  }

  // ---- housekeeping -------------------------------------------------------------------

  function resend(s: UserState, recipient: string, now: number): void {
    for (const { item, prevKey } of s.outbound.resendable(recipient, config.resendBatch)) {
      item.lastSentMs = now;
      directory.send(userKey(recipient), {
        t: 'deliver',
        to: recipient,
        msg: item.msg,
        senderSeq: item.senderSeq,
        prevKey,
      });
    }
  }

  async function onTick(s: UserState, ctx: ActorContext<UserMsg>): Promise<void> {
    // The next tick first: a store error below (clearWake, cursors) must not end
    // the resends for good, which lost acked messages under a flaky store.
    ctx.sendAfter(config.tickMs, { t: 'tick' });
    const now = ctx.clock.now();
    for (const recipient of s.outbound.due(now - config.resendIntervalMs))
      resend(s, recipient, now);
    // Cleared on a tick, not at each confirm: a busy sender would otherwise
    // write a mark and a clear around every message.
    if (s.wakeMarked && s.outbound.size === 0) {
      await store.clearWake(userKey(user));
      s.wakeMarked = false;
    }
    await flushCursors(env, s);
    if (
      !s.passivating &&
      s.sessions.size === 0 &&
      s.outbound.size === 0 &&
      now - s.lastActiveMs >= config.idlePassivateMs
    ) {
      s.passivating = true;
      ctx.send(activator, {
        t: 'passivate',
        key: userKey(user),
        ref: ctx.self,
        received: s.routed,
      });
    }
  }

  /**
   * A session's edge is gone: forget the session (a stale edge ref must not be
   * pushed to). Lost only to a broken link, the edge may live on believing it
   * is attached (our `attached` can have crossed before the break): tell it
   * to attach again, which reaches it over the link's next epoch.
   */
  function down(s: UserState, d: Down, ctx: ActorContext<UserMsg>): UserState {
    for (const [device, session] of s.sessions) {
      if (session.monitor !== d.monitor) continue;
      s.sessions.delete(device);
      if (d.reason === 'noconnection') ctx.send(session.edge, { t: 'reattach' });
    }
    return s;
  }

  return { name: 'user', init, receive, down };
}

function core(e: InboxEntry): MessageCore {
  return {
    from: e.from,
    id: e.id,
    ts: e.ts,
    content: fromStored(e.content),
    device: e.device ?? '',
  };
}
