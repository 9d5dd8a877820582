/**
 * What every raw protocol test client shares, whatever carries its frames
 * (WebSocket with JSON or MessagePack, MQTT): the record of the server's
 * frames in arrival order and the ways a test waits on them.
 *
 * - `frames`: every server frame, decoded (a payload that does not decode to
 *   an object is recorded as `{ type: '<unparsed>', text }` so a test sees it
 *   and fails); `arrivals` numbers them in the arrival order of all clients
 *   of this process together.
 * - `waitFor(predicate, timeoutMs, from)`: the first recorded frame at index
 *   `from` or later that matches, now or when it arrives; rejects after
 *   `timeoutMs` (or once the connection closed) with the frames seen so far
 *   in the message. `mark()` gives the current index to search from.
 * - `barrier()`: a `ping` with a fresh `ref`, resolved at its `pong`: every
 *   frame the server wrote in answer to what this client sent before it has
 *   then arrived (the edge handles one connection's frames in order).
 * - `closed`: resolves with the close code and reason (1006 when cut).
 *
 * A transport subclass calls `record` for each frame and `recordClose` once.
 */

/** A server frame as decoded. */
export type Frame = { readonly type: string } & Readonly<Record<string, unknown>>;
export type FramePredicate = (frame: Frame) => boolean;

export interface Closed {
  readonly code: number;
  readonly reason: string;
}

export const DEFAULT_WAIT_MS = 5000;

/** Counts every frame any client receives: arrival order across clients of one process. */
let arrivals = 0;

export abstract class FrameLog {
  readonly frames: Frame[] = [];
  /** For each of `frames`, its place in the arrival order of all clients of this process. */
  readonly arrivals: number[] = [];
  /** Frames not in this client's encoding (binary ones for JSON, text ones for MessagePack): a test asserts this stays empty. */
  readonly strayFrames: Buffer[] = [];
  readonly closed: Promise<Closed>;
  private closedWith: Closed | undefined;
  private resolveClosed!: (closed: Closed) => void;
  private readonly waiters = new Set<() => void>();
  private refs = 0;

  constructor() {
    this.closed = new Promise((resolve) => {
      this.resolveClosed = resolve;
    });
  }

  abstract readonly isOpen: boolean;
  /** Sends one frame in this client's encoding. */
  abstract send(frame: Readonly<Record<string, unknown>>): void;
  /** Sends one frame whose payload is exactly these bytes (or this text), in this client's kind of frame. */
  abstract sendRaw(payload: string | Uint8Array): void;
  /** Closes normally and waits for the close to finish. */
  abstract close(code?: number): Promise<Closed>;
  /** Cuts the connection without a goodbye. */
  abstract terminate(): void;

  protected record(frame: Frame): void {
    this.frames.push(frame);
    this.arrivals.push(++arrivals);
    this.wake();
  }

  protected recordStray(bytes: Buffer): void {
    this.strayFrames.push(bytes);
    this.wake();
  }

  protected recordClose(closed: Closed): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = closed;
    this.resolveClosed(closed);
    this.wake();
  }

  /** The index the next frame will have: pass it to `waitFor` to look only at later frames. */
  mark(): number {
    return this.frames.length;
  }

  /** The first frame at index `from` or later matching `predicate`, waiting up to `timeoutMs`. */
  async waitFor(
    predicate: FramePredicate,
    timeoutMs: number = DEFAULT_WAIT_MS,
    from = 0,
  ): Promise<Frame> {
    const [frame] = await this.waitForCount(predicate, 1, timeoutMs, from);
    return frame!;
  }

  /** The first `count` frames at index `from` or later matching `predicate`. */
  waitForCount(
    predicate: FramePredicate,
    count: number,
    timeoutMs: number = DEFAULT_WAIT_MS,
    from = 0,
  ): Promise<Frame[]> {
    const found = () => this.frames.slice(from).filter(predicate);
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const hits = found();
        if (hits.length >= count) {
          resolve(hits.slice(0, count));
          return true;
        }
        return false;
      };
      if (check()) return;
      const waiter = () => {
        if (check()) done();
        else if (this.closedWith !== undefined) {
          done();
          reject(this.failure(`the connection closed (${this.closedWith.code})`, count, from));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(this.failure(`timed out after ${timeoutMs} ms`, count, from));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(waiter);
      };
      this.waiters.add(waiter);
      if (this.closedWith !== undefined) waiter();
    });
  }

  /** Sends `frame` with a fresh `ref` and waits for the frame that echoes it. */
  async request(frame: Readonly<Record<string, unknown>>, timeoutMs?: number): Promise<Frame> {
    const ref = `r${++this.refs}-${Math.random().toString(36).slice(2, 8)}`;
    const from = this.mark();
    this.send({ ...frame, ref });
    return this.waitFor((f) => f.ref === ref, timeoutMs, from);
  }

  /** Round-trips a `ping`: every answer to what was sent before has arrived. Returns the index after the pong. */
  async barrier(timeoutMs?: number): Promise<number> {
    const pong = await this.request({ type: 'ping' }, timeoutMs);
    return this.frames.indexOf(pong) + 1;
  }

  /** Frames of `type` (and matching `predicate`), in arrival order. */
  all(type: string, predicate: FramePredicate = () => true): Frame[] {
    return this.frames.filter((f) => f.type === type && predicate(f));
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  private failure(why: string, count: number, from: number): Error {
    const seen = this.frames.slice(from);
    const shown = seen
      .slice(-30)
      .map((f) => JSON.stringify(f).slice(0, 300))
      .join('\n  ');
    return new Error(
      `waiting for ${count} matching frame(s): ${why}; ${seen.length} frame(s) since index ${from}` +
        `${seen.length > 30 ? ' (last 30 shown)' : ''}:\n  ${shown}`,
    );
  }
}

/** A decoded payload as a frame: an object with a string `type`, else `<unparsed>`. */
export function asFrame(value: unknown, text: string): Frame {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Frame;
  return { type: '<unparsed>', text };
}
