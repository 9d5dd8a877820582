/**
 * The NATS transport: `runtime/transport.ts` over core NATS (`nats` v2).
 *
 * Each node subscribes to its own subject `<prefix>.<node>` (prefix
 * `parley.node`) and answers hello requests on `<prefix>.<node>.hello`.
 * Frames to one node that are sent within one turn (`Clock.defer`) coalesce into one
 * NATS message (`nats-frame.ts`), split so none exceeds the server's
 * `max_payload`. One connection and one subject per receiver keep per-pair
 * FIFO (NATS orders one publisher's messages on one subject).
 *
 * Loss is never silent, and a broken link is broken on both sides. Every
 * message carries (sender, creation, epoch, seq) and the receiver checks it
 * (`nats-links.ts`): a gap, a new epoch or a new sender creation fires
 * `onNodeDown(sender)` once (so every monitor and link across gets
 * `noconnection`). A loss only the receiver can see (a seq gap) also makes it
 * send the sender a RESET naming the broken (creation, epoch), after flushing
 * what it had queued, and drop the rest of that epoch's frames; the sender,
 * on a RESET of its current epoch towards that node, flushes its queue,
 * fires `onNodeDown(receiver)` once and starts a new epoch towards it, which
 * the receiver takes as the fresh link (no second down). A RESET of an older
 * epoch is ignored. A RESET takes a seq of its own link, so its loss is a gap
 * too; while frames of the broken epoch keep coming, it is sent again at most
 * every `resetRetryMs`. When this node's client reports a disconnect (it may
 * drop what is published until it reconnects), every link is broken at once:
 * a new epoch the receivers recognise, and `onNodeDown` here for every peer
 * we knew.
 *
 * Reachability (`reachable`): false while disconnected or closed; a peer is
 * `up` once membership says so (`peerUp`), a message came from it or it
 * answered a hello; `down` after `peerDown` (membership), a BYE (it closed),
 * or a hello answered by NATS "no responders" (503: nobody subscribes to that
 * node). An unknown node counts as reachable while a hello probes it, so the
 * first send or ask to a node that is gone fails within a round trip, not at
 * the ask timeout. A `down` node is probed again at most every
 * `probeIntervalMs` when something wants to reach it.
 *
 * Messages that arrive before `attach` are dropped (the actor system
 * attaches in its constructor, in the same tick as this one subscribes).
 *
 * Oversize: `send` throws `FrameTooLargeError` for a frame that cannot fit in
 * one NATS message (`maxFrameBytes` = max_payload less the link header).
 */
import {
  connect,
  type Msg,
  type NatsConnection,
  type NatsError,
  ErrorCode as NatsErrorCode,
  type Subscription,
} from 'nats';
import pino, { type Logger } from 'pino';
import {
  type Clock,
  ErrorCode,
  FrameTooLargeError,
  ParleyError,
  quote,
  systemClock,
  type Transport,
  type TransportHandler,
} from '../runtime/index.ts';
import {
  dataOverhead,
  decodeMessage,
  encodeBye,
  encodeData,
  encodeReset,
  FRAME_PREFIX_BYTES,
  KIND_BYE,
  KIND_RESET,
} from './nats-frame.ts';
import type { NatsLike } from './nats-like.ts';
import { DISCARD, DOWN, GAP, Links, NEW_CREATION, RESET_PEER } from './nats-links.ts';

/** nats-server's default max_payload, used until the server says otherwise. */
const DEFAULT_MAX_PAYLOAD = 1024 * 1024;
const NODE_NAME = /^[A-Za-z0-9_-]{1,128}$/;

export interface NatsTransportOptions {
  /** This node's name: letters, digits, `_` and `-` (it is a subject token). */
  readonly node: string;
  /** This start's incarnation (the actor system's `creation`), 1..2^32-1. */
  readonly creation: number;
  /** Subject prefix; default `parley.node`. */
  readonly prefix?: string;
  /** How long a hello probe waits; default 1000 ms. */
  readonly probeTimeoutMs?: number;
  /** Least time between two probes of one node; default 1000 ms. */
  readonly probeIntervalMs?: number;
  /** Least time between two RESETs to one node while its broken epoch's frames keep coming; default 200 ms. */
  readonly resetRetryMs?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
}

export interface NatsTransportStats {
  framesSent: number;
  framesReceived: number;
  /** NATS messages (each carries one or more frames). */
  messagesSent: number;
  messagesReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Seq gaps seen on inbound links. */
  gapsDetected: number;
  /** Links declared broken (gap, new epoch or creation, our own disconnect). */
  linkResets: number;
  /** onNodeDown calls made. */
  nodeDowns: number;
  /** RESETs sent (we saw a peer's link to us broken) and honoured (a peer saw ours broken). */
  resetsSent: number;
  resetsReceived: number;
  /** Inbound frames dropped because their link epoch was declared broken. */
  framesDiscarded: number;
  /** Hello probes sent. */
  probes: number;
  /** Inbound messages that could not be decoded (dropped, logged). */
  malformed: number;
}

type PeerState = 'up' | 'down';

export class NatsTransport implements Transport {
  readonly node: string;
  readonly creation: number;
  readonly stats: NatsTransportStats = {
    framesSent: 0,
    framesReceived: 0,
    messagesSent: 0,
    messagesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    gapsDetected: 0,
    linkResets: 0,
    nodeDowns: 0,
    resetsSent: 0,
    resetsReceived: 0,
    framesDiscarded: 0,
    probes: 0,
    malformed: 0,
  };
  private handler: TransportHandler | undefined;
  private readonly links = new Links();
  private readonly peers = new Map<string, PeerState>();
  private readonly subjects = new Map<string, string>();
  private readonly lastProbeMs = new Map<string, number>();
  private readonly probing = new Set<string>();
  private readonly lastResetMs = new Map<string, number>();
  /** Times each peer was marked down: a probe answer older than the last down must not revive it. */
  private readonly downCount = new Map<string, number>();
  private pending = new Map<string, { frames: Uint8Array[]; bytes: number }>();
  private flushQueued = false;
  private readonly subs: Subscription[] = [];
  private readonly nodeBytes: Uint8Array;
  private readonly prefix: string;
  private readonly probeTimeoutMs: number;
  private readonly probeIntervalMs: number;
  private readonly resetRetryMs: number;
  private readonly clock: Clock;
  private readonly log: Logger;
  private maxPayload: number;
  private up = true;
  private closed = false;

  constructor(
    readonly nc: NatsLike,
    options: NatsTransportOptions,
    /** Whether `close` closes `nc` too (true when `connectNatsTransport` made it). */
    private readonly ownsConnection = false,
  ) {
    this.node = checkNode(options.node);
    if (
      !Number.isInteger(options.creation) ||
      options.creation < 1 ||
      options.creation > 0xffff_ffff
    ) {
      throw new ParleyError(
        ErrorCode.InvalidArgument,
        `creation must be an integer in 1..4294967295, got ${quote(options.creation)}`,
      );
    }
    this.creation = options.creation;
    this.prefix = options.prefix ?? 'parley.node';
    this.probeTimeoutMs = options.probeTimeoutMs ?? 1000;
    this.probeIntervalMs = options.probeIntervalMs ?? 1000;
    this.resetRetryMs = options.resetRetryMs ?? 200;
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? pino({ level: process.env.PARLEY_LOG_LEVEL ?? 'info' });
    this.nodeBytes = new TextEncoder().encode(this.node);
    this.maxPayload = nc.info?.max_payload ?? DEFAULT_MAX_PAYLOAD;
    // Subscribed at once (before `attach`, which follows in the same tick, so no
    // message can be dispatched in between) so that `ready()` can confirm them.
    const own = this.subject(this.node);
    this.subs.push(
      nc.subscribe(own, { callback: (err, msg) => err === null && this.onMessage(msg) }),
      nc.subscribe(`${own}.hello`, {
        callback: (err, msg) => {
          if (err === null && msg.reply) msg.respond(this.nodeBytes);
        },
      }),
    );
    void this.watchStatus();
  }

  /** The largest frame `send` accepts: the server's max_payload less the link header. */
  get maxFrameBytes(): number {
    return this.maxPayload - dataOverhead(this.nodeBytes.length) - FRAME_PREFIX_BYTES;
  }

  /** Whether the NATS client is connected (false between a disconnect and the reconnect). */
  get connected(): boolean {
    return this.up && !this.closed;
  }

  attach(handler: TransportHandler): void {
    if (this.handler !== undefined) {
      throw new ParleyError(
        ErrorCode.AlreadyExists,
        `transport of node ${quote(this.node)} is already attached`,
      );
    }
    this.handler = handler;
  }

  /**
   * Resolves once the server has this node's subscriptions, so a peer's hello
   * cannot meet "no responders" for a node that is up (`connectNatsTransport` awaits it).
   */
  async ready(): Promise<void> {
    await this.nc.flush();
  }

  send(node: string, frame: Uint8Array): void {
    if (frame.length > this.maxFrameBytes) {
      throw new FrameTooLargeError(node, frame.length, this.maxFrameBytes);
    }
    if (this.closed) return;
    this.subject(node); // validates the name before anything is queued
    let batch = this.pending.get(node);
    if (batch === undefined) this.pending.set(node, (batch = { frames: [], bytes: 0 }));
    batch.frames.push(frame);
    batch.bytes += frame.length;
    if (!this.flushQueued) {
      this.flushQueued = true;
      this.clock.defer(this.flush);
    }
    if (!this.peers.has(node)) this.probe(node);
  }

  reachable(node: string): boolean {
    if (!this.connected) return false;
    const state = this.peers.get(node);
    if (state === 'up') return true;
    this.probe(node);
    return state === undefined;
  }

  /** Membership saw `node` join the view. */
  peerUp(node: string): void {
    this.markUp(node);
  }

  /** Membership saw `node` leave the view: everything across it gets `noconnection`. */
  peerDown(node: string): void {
    this.markDown(node, 'membership');
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    const bye = encodeBye(this.nodeBytes, this.creation);
    const told = new Set([...this.peers].filter(([, s]) => s === 'up').map(([n]) => n));
    for (const n of this.links.senders()) told.add(n);
    for (const n of told) this.publish(this.subject(n), bye);
    this.closed = true;
    try {
      if (!this.nc.isClosed()) await this.nc.flush();
    } catch {
      // Closing anyway: a peer that missed the BYE learns from membership.
    }
    for (const s of this.subs) s.unsubscribe();
    if (this.ownsConnection && !this.nc.isClosed()) await this.nc.close();
  }

  // ---- outbound --------------------------------------------------------------------

  /** Publishes the frames queued in this turn (`Clock.defer`), one NATS message per node as far as max_payload allows. */
  private readonly flush = (): void => {
    this.flushQueued = false;
    if (this.pending.size === 0) return;
    const batches = this.pending;
    this.pending = new Map();
    const room = this.maxPayload - dataOverhead(this.nodeBytes.length);
    for (const [node, batch] of batches) {
      const subject = this.subject(node);
      let start = 0;
      while (start < batch.frames.length) {
        let end = start;
        let bytes = 0;
        while (end < batch.frames.length) {
          const add = batch.frames[end]!.length + FRAME_PREFIX_BYTES;
          if (end > start && bytes + add > room) break;
          bytes += add;
          end++;
        }
        const frames =
          end - start === batch.frames.length ? batch.frames : batch.frames.slice(start, end);
        const seq = this.links.nextSeq(node);
        const data = encodeData(
          this.header(node),
          seq,
          frames,
          bytes - frames.length * FRAME_PREFIX_BYTES,
        );
        if (this.publish(subject, data)) this.stats.framesSent += frames.length;
        start = end;
      }
    }
  };

  /** Publishes; a refused publish loses its seq, which the receiver sees as a gap. */
  private publish(subject: string, data: Uint8Array): boolean {
    try {
      this.nc.publish(subject, data);
      this.stats.messagesSent++;
      this.stats.bytesSent += data.length;
      return true;
    } catch (err) {
      this.log.warn({ subject, bytes: data.length, err: String(err) }, 'nats publish refused');
      return false;
    }
  }

  /** The link header of our current link to `node` (call after `nextSeq`, which opens it). */
  private header(node: string) {
    return { node: this.nodeBytes, creation: this.creation, epoch: this.links.epochTo(node)! };
  }

  /** Tells `node` that we saw its link to us in (creation, epoch) broken; what we queued goes first. */
  private sendReset(node: string, peerCreation: number, brokenEpoch: number): void {
    this.flush();
    this.lastResetMs.set(node, this.clock.now());
    const seq = this.links.nextSeq(node);
    const data = encodeReset(this.header(node), seq, { peerCreation, brokenEpoch });
    if (this.publish(this.subject(node), data)) this.stats.resetsSent++;
  }

  private subject(node: string): string {
    let s = this.subjects.get(node);
    if (s === undefined) {
      s = `${this.prefix}.${checkNode(node)}`;
      this.subjects.set(node, s);
    }
    return s;
  }

  // ---- inbound ---------------------------------------------------------------------

  private onMessage(msg: Msg): void {
    if (this.closed) return;
    const data = msg.data;
    this.stats.messagesReceived++;
    this.stats.bytesReceived += data.length;
    let m: ReturnType<typeof decodeMessage>;
    try {
      m = decodeMessage(data);
    } catch (err) {
      this.stats.malformed++;
      this.log.error({ err: String(err), bytes: data.length }, 'malformed link message dropped');
      return;
    }
    if (m.from === this.node) return;
    if (!NODE_NAME.test(m.from)) {
      // We may answer it (a RESET), so its name must be a subject token.
      this.stats.malformed++;
      this.log.error({ from: m.from }, 'link message from a node with an invalid name dropped');
      return;
    }
    if (m.kind === KIND_BYE) {
      this.markDown(m.from, 'bye');
      return;
    }
    const result = this.links.accept(m.from, m.creation, m.epoch, m.seq);
    if (result & NEW_CREATION) this.links.restartTo(m.from);
    let down = (result & DOWN) !== 0;
    if (down) {
      this.stats.linkResets++;
      if (result & GAP) this.stats.gapsDetected++;
    }
    if (m.kind === KIND_RESET && m.peerCreation === this.creation) {
      // What we queued was meant for the epoch it names: it goes out in it (and is dropped there).
      this.flush();
      if (this.links.onReset(m.from, m.brokenEpoch)) {
        this.stats.resetsReceived++;
        if (!down) this.stats.linkResets++;
        down = true;
      }
    }
    if (result & RESET_PEER) this.sendReset(m.from, m.creation, m.epoch);
    else if (
      result & DISCARD &&
      this.clock.now() - (this.lastResetMs.get(m.from) ?? 0) >= this.resetRetryMs
    ) {
      this.sendReset(m.from, m.creation, m.epoch);
    }
    if (down) this.fireDown(m.from);
    this.markUp(m.from);
    if (m.kind === KIND_RESET) return;
    if (result & DISCARD) {
      this.stats.framesDiscarded += m.frames.length;
      return;
    }
    const handler = this.handler;
    if (handler === undefined) return;
    this.stats.framesReceived += m.frames.length;
    for (const f of m.frames) handler.onFrame(m.from, f);
  }

  // ---- peers -----------------------------------------------------------------------

  private markUp(node: string): void {
    const was = this.peers.get(node);
    if (was === 'up') return;
    this.peers.set(node, 'up');
    if (was === 'down') this.handler?.onNodeUp?.(node);
  }

  private markDown(node: string, why: string): void {
    if (this.peers.get(node) === 'down') return;
    this.peers.set(node, 'down');
    this.downCount.set(node, (this.downCount.get(node) ?? 0) + 1);
    this.links.forget(node);
    this.log.info({ peer: node, why }, 'peer down');
    this.fireDown(node);
  }

  private fireDown(node: string): void {
    this.stats.nodeDowns++;
    this.handler?.onNodeDown(node);
  }

  /** Asks NATS whether anyone serves `node`; "no responders" marks it down at once. */
  private probe(node: string): void {
    if (this.probing.has(node) || this.closed) return;
    const now = this.clock.now();
    const last = this.lastProbeMs.get(node);
    if (last !== undefined && now - last < this.probeIntervalMs) return;
    this.lastProbeMs.set(node, now);
    this.probing.add(node);
    this.stats.probes++;
    const downs = this.downCount.get(node) ?? 0;
    this.nc
      .request(`${this.subject(node)}.hello`, this.nodeBytes, { timeout: this.probeTimeoutMs })
      .then(
        () => {
          // The reply may be settled after a BYE that came behind it: that BYE wins.
          if ((this.downCount.get(node) ?? 0) === downs) this.markUp(node);
        },
        (err: NatsError) => {
          if (err?.code === NatsErrorCode.NoResponders) this.markDown(node, 'no responders');
        },
      )
      .finally(() => this.probing.delete(node));
  }

  /** A disconnect breaks every link: new epoch, `onNodeDown` for each peer, inbound baselines reset. */
  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (this.closed) return;
      if (s.type === 'disconnect') {
        if (!this.up) continue;
        this.up = false;
        this.links.breakAll();
        this.links.markAllFresh();
        const known = new Set(this.links.senders());
        for (const [n, state] of this.peers) if (state === 'up') known.add(n);
        this.log.warn({ peers: [...known] }, 'nats disconnected: every link is broken');
        for (const n of known) {
          this.stats.linkResets++;
          this.fireDown(n);
        }
      } else if (s.type === 'reconnect') {
        this.up = true;
        this.maxPayload = this.nc.info?.max_payload ?? this.maxPayload;
        this.log.info('nats reconnected');
      }
    }
  }
}

function checkNode(node: string): string {
  if (typeof node !== 'string' || !NODE_NAME.test(node)) {
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `node name must be 1..128 letters, digits, "_" or "-" (a NATS subject token), got ${quote(node)}`,
    );
  }
  return node;
}

export interface ConnectNatsTransportOptions extends NatsTransportOptions {
  /** NATS server URL(s), e.g. `nats://127.0.0.1:4222`. */
  readonly servers: string | string[];
  /** Connection name shown by the server; default `parley-<node>`. */
  readonly name?: string;
  /** Default -1: reconnect forever. */
  readonly maxReconnectAttempts?: number;
  /** Default 250 ms. */
  readonly reconnectTimeWaitMs?: number;
  /** Default 10000 ms. */
  readonly pingIntervalMs?: number;
}

/** Connects to NATS and returns a transport that owns the connection (closing it closes both). */
export async function connectNatsTransport(
  options: ConnectNatsTransportOptions,
): Promise<NatsTransport> {
  checkNode(options.node);
  let nc: NatsConnection;
  try {
    nc = await connect({
      servers: options.servers,
      name: options.name ?? `parley-${options.node}`,
      maxReconnectAttempts: options.maxReconnectAttempts ?? -1,
      reconnectTimeWait: options.reconnectTimeWaitMs ?? 250,
      pingInterval: options.pingIntervalMs ?? 10_000,
    });
  } catch (err) {
    throw new ParleyError(
      ErrorCode.Unavailable,
      `cannot connect to NATS at ${quote(options.servers)}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const transport = new NatsTransport(nc, options, true);
  await transport.ready();
  return transport;
}
