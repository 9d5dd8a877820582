/**
 * What one connection's edge forwarded to its user actor and has not seen
 * answered: a crash of the user actor loses its mailbox, so these are
 * submitted again to the next incarnation (or answered) instead of lost.
 *
 * - A `message` is in flight, by `id`, until its `sent` ack or an `error`
 *   naming its `id` is pushed to the client. Sending it again is safe: the
 *   store dedupes on the id (at worst the client sees `sent` twice).
 * - A request with a `ref` (history, group operations, any later frame
 *   with a ref) is in flight, by `ref`, until a frame carrying that `ref`
 *   is pushed (its reply or an error). Reads and group changes are
 *   idempotent and go again; a `group.create` does not (the group may exist
 *   already): it is answered `unavailable`, saying so.
 * - After a crash, the oldest entry is taken as its likely cause and counts
 *   it; one that counted `RESUBMITS_MAX + 1` crashes is answered
 *   `unavailable` instead, so a frame that kills every incarnation cannot
 *   keep the ones behind it from going through. A user actor that went
 *   away without crashing (its node lost, its key handed off, fenced) is no
 *   crash: everything goes again and nothing is counted, since refusing a
 *   message that was in fact stored would make the client resend it behind
 *   later ones (out of order).
 * - `sent` acks reach the client in the order the user actor stored the
 *   messages (each ack names its predecessor, `prior`): an ack whose
 *   predecessor is still unanswered here (its ack lost with a broken link)
 *   is held, and the predecessor submitted again to get its ack back (a
 *   repeat is acked, never stored twice). An ack without a predecessor (a
 *   repeat, a new incarnation) passes at once.
 * - Frames without a reply (acks, typing) are not kept: there is nothing
 *   to know them answered by. At most `max` entries are kept: past it the
 *   oldest request is forgotten (a reply lost with a node must not fill
 *   the bound for good) and, when only messages wait, `track` refuses.
 */
import type { ClientFrame } from '../protocol/index.ts';
import type { EdgeLoad } from './load.ts';

/** Times an in-flight frame is submitted again after crashes of the user actor. */
export const RESUBMITS_MAX = 1;

const SENT_ACK_PREFIX = '{"type":"ack","id":';
const ERROR_PREFIX = '{"type":"error"';
/**
 * The first `"ref":"..."` of a frame. Inside a JSON string every `"` is
 * escaped, so this unescaped sequence only ever matches a real key.
 */
const REF = /"ref":("(?:[^"\\]|\\.)*")/;

interface Entry {
  readonly frame: ClientFrame;
  crashes: number;
}

/** What to do about one in-flight frame after a crash. */
export type AfterCrash =
  | { readonly resubmit: ClientFrame }
  | {
      readonly refuse: {
        readonly message: string;
        readonly ref?: string | undefined;
        readonly id?: string | undefined;
      };
    };

export class InFlight {
  /** `m:<id>` for messages, `r:<ref>` for requests; in the order first sent. */
  private readonly entries = new Map<string, Entry>();
  /** How many entries are requests: pushes are searched for a `ref` only while some wait. */
  private requests = 0;
  /** `sent` acks held until their predecessor's ack is written: predecessor id → [id, ack]. */
  private readonly held = new Map<string, [string, string]>();

  constructor(
    readonly max: number,
    /** The node's count of messages in flight, kept with this table's (`load.ts`). */
    private readonly load?: EdgeLoad,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** The connection ended: its messages no longer count as the node's. */
  dispose(): void {
    if (this.load === undefined) return;
    for (const key of this.entries.keys()) if (key.startsWith('m:')) this.load.inFlight--;
    this.entries.clear();
  }

  /** Nothing waits and no ack is held: the table can be dropped until the next tracked frame. */
  get idle(): boolean {
    return this.entries.size === 0 && this.held.size === 0;
  }

  /** Keeps `frame` if it will be answered; false when `max` entries wait already (the frame is not forwarded). */
  track(frame: ClientFrame): boolean {
    const key = keyOf(frame);
    if (key === undefined || this.entries.has(key)) return true;
    if (this.entries.size >= this.max && !this.evictRequest()) return false;
    this.entries.set(key, { frame, crashes: 0 });
    if (this.load !== undefined && frame.type === 'message') this.load.inFlight++;
    if (key.startsWith('r:')) this.requests++;
    return true;
  }

  /** Forgets the oldest request: a reply lost elsewhere (a node gone) must not fill the bound for good. */
  private evictRequest(): boolean {
    for (const key of this.entries.keys()) {
      if (key.startsWith('r:')) {
        this.delete(key);
        return true;
      }
    }
    return false;
  }

  /**
   * Forgets what `json` (a frame pushed to the client) answers and says what
   * to do: the frames to write now, in order (`json`, unless it is a `sent`
   * ack held behind its unanswered predecessor `prior`, then the held acks it
   * lets through), and a frame to submit again (that predecessor).
   */
  release(json: string, prior?: string): { write: string[]; resubmit?: ClientFrame } {
    if (this.entries.size === 0 && this.held.size === 0) return { write: [json] };
    if (json.startsWith(SENT_ACK_PREFIX) || json.startsWith(ERROR_PREFIX)) {
      const frame = JSON.parse(json) as { type: string; id?: unknown; status?: unknown };
      const id = frame.id;
      if (typeof id === 'string' && (frame.type === 'error' || frame.status === 'sent')) {
        const waiting = prior === undefined ? undefined : this.entries.get(`m:${prior}`);
        if (frame.type !== 'error' && waiting !== undefined && this.entries.has(`m:${id}`)) {
          this.held.set(prior!, [id, json]);
          return { write: [], resubmit: waiting.frame };
        }
        this.delete(`m:${id}`);
        return { write: [json, ...this.releaseAfter(id)] };
      }
    }
    if (this.requests > 0) {
      const ref = REF.exec(json);
      if (ref !== null) this.delete(`r:${JSON.parse(ref[1]!) as string}`);
    }
    return { write: [json] };
  }

  /** The held acks that waited for `id`'s, and for theirs, in order. */
  private releaseAfter(id: string): string[] {
    const out: string[] = [];
    for (let next = this.held.get(id); next !== undefined; next = this.held.get(next[0])) {
      this.held.delete(id);
      this.delete(`m:${next[0]}`);
      out.push(next[1]);
      id = next[0];
    }
    return out;
  }

  private delete(key: string): void {
    if (!this.entries.delete(key)) return;
    if (key.startsWith('r:')) this.requests--;
    else if (this.load !== undefined) this.load.inFlight--;
  }

  /**
   * After the user actor went down: every entry, in order, to submit again or
   * to refuse. `crashed` false (lost node, handoff, fenced) counts nothing.
   */
  afterCrash(crashed = true): AfterCrash[] {
    const out: AfterCrash[] = [];
    let head = crashed;
    for (const [key, entry] of this.entries) {
      if (head) entry.crashes++;
      head = false;
      const { frame } = entry;
      const id = frame.type === 'message' ? frame.id : undefined;
      if (frame.type === 'group.create') {
        this.delete(key);
        out.push({
          refuse: {
            message:
              'the server failed while creating this group; it may exist already: look before creating it again',
            ref: frame.ref,
          },
        });
      } else if (entry.crashes > RESUBMITS_MAX) {
        this.delete(key);
        out.push({
          refuse: {
            message: `the server failed ${entry.crashes} times while handling this ${frame.type === 'message' ? 'message' : 'request'}; send it again${id === undefined ? '' : ' (an id is never delivered twice)'}`,
            ref: frame.ref,
            id,
          },
        });
      } else out.push({ resubmit: frame });
    }
    return out;
  }
}

/** Whether `frame` is kept until answered (a message, or a request with a ref). */
export function awaitsAnswer(frame: ClientFrame): boolean {
  return keyOf(frame) !== undefined;
}

function keyOf(frame: ClientFrame): string | undefined {
  if (frame.type === 'message') return `m:${frame.id}`;
  if (frame.ref !== undefined && frame.type !== 'ack' && frame.type !== 'typing')
    return `r:${frame.ref}`;
  return undefined;
}
