/**
 * Several actor systems in one process, joined by an in-process network that
 * behaves like a real one: frames are bytes (copied on send), delivered
 * later (through `Clock.defer`), FIFO per node pair, and dropped when a node is
 * disconnected or a pair is partitioned. Losing a node tells every peer once
 * (`onNodeDown`), which fires `noconnection` for links and monitors across it.
 * A frame over `maxFrameBytes` (default 1 MiB, as NATS) throws `FrameTooLargeError`.
 */
import { type Clock, systemClock } from './clock.ts';
import { ErrorCode, ParleyError, quote } from './errors.ts';
import { FrameTooLargeError, type Transport, type TransportHandler } from './transport.ts';

/** The default frame bound: nats-server's default `max_payload`. */
const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

interface InFlight {
  readonly from: string;
  readonly to: string;
  readonly frame: Uint8Array;
}

export class InProcessNetwork {
  private readonly nodes = new Map<string, InProcessTransport>();
  private readonly cut = new Set<string>();
  private queue: InFlight[] = [];
  private flushing = false;
  /** Frames delivered and dropped, for tests and metrics. */
  readonly stats = { delivered: 0, dropped: 0 };

  readonly maxFrameBytes: number;

  constructor(
    private readonly clock: Clock = systemClock,
    options: { readonly maxFrameBytes?: number } = {},
  ) {
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  }

  join(node: string): InProcessTransport {
    if (this.nodes.has(node)) {
      throw new ParleyError(
        ErrorCode.AlreadyExists,
        `node ${quote(node)} already joined this network`,
      );
    }
    const t = new InProcessTransport(node, this);
    this.nodes.set(node, t);
    return t;
  }

  /** Whether frames can flow from `a` to `b`. */
  connected(a: string, b: string): boolean {
    const ta = this.nodes.get(a);
    const tb = this.nodes.get(b);
    return (
      ta !== undefined &&
      tb !== undefined &&
      !ta.closed &&
      !tb.closed &&
      !this.cut.has(pairKey(a, b))
    );
  }

  /** Cuts the link between `a` and `b` both ways; each sees the other down. */
  partition(a: string, b: string): void {
    if (a === b || this.cut.has(pairKey(a, b))) return;
    const wasConnected = this.connected(a, b);
    this.cut.add(pairKey(a, b));
    if (wasConnected) {
      this.nodes.get(a)?.nodeDown(b);
      this.nodes.get(b)?.nodeDown(a);
    }
  }

  heal(a: string, b: string): void {
    if (!this.cut.delete(pairKey(a, b))) return;
    if (this.connected(a, b)) {
      this.nodes.get(a)?.nodeUp(b);
      this.nodes.get(b)?.nodeUp(a);
    }
  }

  /** Cuts `node` off from every other node (as if it crashed, from their view). */
  isolate(node: string): void {
    for (const other of this.nodes.keys()) if (other !== node) this.partition(node, other);
  }

  rejoin(node: string): void {
    for (const other of this.nodes.keys()) if (other !== node) this.heal(node, other);
  }

  peers(node: string): string[] {
    return [...this.nodes.keys()].filter((n) => n !== node && this.connected(node, n));
  }

  send(from: string, to: string, frame: Uint8Array): void {
    if (!this.connected(from, to)) {
      this.stats.dropped++;
      return;
    }
    this.queue.push({ from, to, frame: frame.slice() });
    if (!this.flushing) {
      this.flushing = true;
      this.clock.defer(this.flush);
    }
  }

  /** Delivers queued frames in send order; a frame whose pair was cut meanwhile is dropped. */
  private readonly flush = (): void => {
    const batch = this.queue;
    this.queue = [];
    this.flushing = false;
    for (const f of batch) {
      const target = this.nodes.get(f.to);
      if (target === undefined || !this.connected(f.from, f.to)) {
        this.stats.dropped++;
        continue;
      }
      this.stats.delivered++;
      target.deliver(f.from, f.frame);
    }
  };

  leave(node: string): void {
    const t = this.nodes.get(node);
    if (t === undefined) return;
    for (const other of this.nodes.values()) {
      if (other !== t && this.connected(node, other.node)) other.nodeDown(node);
    }
    this.nodes.delete(node);
  }
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

export class InProcessTransport implements Transport {
  private handler: TransportHandler | undefined;
  closed = false;

  constructor(
    readonly node: string,
    private readonly network: InProcessNetwork,
  ) {}

  attach(handler: TransportHandler): void {
    if (this.handler !== undefined) {
      throw new ParleyError(
        ErrorCode.AlreadyExists,
        `transport of node ${quote(this.node)} is already attached`,
      );
    }
    this.handler = handler;
  }

  get maxFrameBytes(): number {
    return this.network.maxFrameBytes;
  }

  send(node: string, frame: Uint8Array): void {
    if (frame.length > this.network.maxFrameBytes) {
      throw new FrameTooLargeError(node, frame.length, this.network.maxFrameBytes);
    }
    this.network.send(this.node, node, frame);
  }

  reachable(node: string): boolean {
    return this.network.connected(this.node, node);
  }

  deliver(from: string, frame: Uint8Array): void {
    this.handler?.onFrame(from, frame);
  }

  nodeDown(node: string): void {
    this.handler?.onNodeDown(node);
  }

  nodeUp(node: string): void {
    this.handler?.onNodeUp?.(node);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.network.leave(this.node);
    this.closed = true;
  }
}
