/**
 * A 1:1 chat workload for cluster fault tests, on the real SDK (reconnect
 * with backoff, resend with the same id, dedupe by (from, id)).
 *
 * Each pair has a sender and a recipient, each one device with its own list
 * of node urls (its home node first: every lost socket moves to the next).
 * A sender sends one message after another (the next after the previous
 * `sent` ack), so its ack order is its send order. `check()` then says, per
 * PROTOCOL.md's guarantees, what was lost (acked `sent`, never delivered),
 * duplicated (a recipient's seqs have a gap: the SDK dropped a repeat that
 * came with a new seq) and reordered (a recipient saw one sender's acked
 * messages out of ack order).
 */
import { ParleyClient } from '../../client/index.ts';

export interface WorkloadOptions {
  readonly pairs: readonly { readonly sender: string; readonly recipient: string }[];
  /** The node urls each user's device tries, in order. */
  readonly urlsOf: (user: string) => readonly string[];
  readonly token: (user: string) => Promise<string>;
  /** Pause between a sender's `sent` ack and its next send. */
  readonly intervalMs: number;
}

export interface WorkloadReport {
  readonly acked: number;
  readonly delivered: number;
  readonly lost: readonly string[];
  readonly duplicated: readonly string[];
  readonly reordered: readonly string[];
  /** Sends that failed for good (the SDK gave up): must be none. */
  readonly failed: readonly string[];
}

interface Received {
  readonly from: string;
  readonly id: string;
  readonly seq: number;
}

export class ChatWorkload {
  readonly clients = new Map<string, ParleyClient>();
  private readonly acked = new Map<string, string[]>();
  private readonly received = new Map<string, Received[]>();
  private readonly failed: string[] = [];
  /** Wall times (ms) by message id: when `send` was called, when it was acked `sent`, when its recipient got it. */
  readonly sentAt = new Map<string, number>();
  readonly ackedAt = new Map<string, number>();
  readonly receivedAt = new Map<string, number>();
  private running = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly options: WorkloadOptions) {}

  async connect(): Promise<void> {
    const users = new Set(this.options.pairs.flatMap((p) => [p.sender, p.recipient]));
    await Promise.all(
      [...users].map(async (user) => {
        const client = new ParleyClient({
          url: this.options.urlsOf(user),
          token: () => this.options.token(user),
          reconnect: { initialDelayMs: 100, maxDelayMs: 1000 },
          ackTimeoutMs: 3000,
          connectTimeoutMs: 5000,
        });
        client.on('message', (m) => {
          const list = this.received.get(user) ?? [];
          list.push({ from: m.from, id: m.id, seq: m.seq });
          if (!this.receivedAt.has(m.id)) this.receivedAt.set(m.id, Date.now());
          this.received.set(user, list);
        });
        this.clients.set(user, client);
        await client.connect();
      }),
    );
  }

  start(): void {
    this.running = true;
    this.loops = this.options.pairs.map((pair) => this.sendLoop(pair.sender, pair.recipient));
  }

  /** Stops sending and waits for every send in flight to be acked (or fail). */
  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  private async sendLoop(sender: string, recipient: string): Promise<void> {
    const client = this.clients.get(sender)!;
    let n = 0;
    while (this.running) {
      const id = `${sender}-${++n}`;
      this.sentAt.set(id, Date.now());
      try {
        await client.send({ to: recipient, id, content: { type: 'text', body: id } });
        this.ackedAt.set(id, Date.now());
        const list = this.acked.get(`${sender}>${recipient}`) ?? [];
        list.push(id);
        this.acked.set(`${sender}>${recipient}`, list);
      } catch (err) {
        this.failed.push(`${id}: ${err instanceof Error ? err.message : String(err)}`);
      }
      await new Promise((r) => setTimeout(r, this.options.intervalMs));
    }
  }

  get ackedCount(): number {
    let n = 0;
    for (const list of this.acked.values()) n += list.length;
    return n;
  }

  /** Waits until every acked message was delivered, or the deadline passed. */
  async settle(timeoutMs: number): Promise<WorkloadReport> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const report = this.check();
      if (report.lost.length === 0 || Date.now() > deadline) return report;
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  check(): WorkloadReport {
    const lost: string[] = [];
    const duplicated: string[] = [];
    const reordered: string[] = [];
    let delivered = 0;
    for (const [user, list] of this.received) {
      delivered += list.length;
      const seqs = list.map((r) => r.seq).sort((a, b) => a - b);
      for (let i = 1; i < seqs.length; i++) {
        if (seqs[i] === seqs[i - 1]) duplicated.push(`${user}: seq ${seqs[i]} shown twice`);
        else if (seqs[i] !== seqs[i - 1]! + 1)
          duplicated.push(
            `${user}: seq gap ${seqs[i - 1]} -> ${seqs[i]} (a repeat with a new seq?)`,
          );
      }
    }
    for (const { sender, recipient } of this.options.pairs) {
      const acked = this.acked.get(`${sender}>${recipient}`) ?? [];
      const got = (this.received.get(recipient) ?? []).filter((r) => r.from === sender);
      const position = new Map(got.map((r, i) => [r.id, i]));
      let last = -1;
      for (const id of acked) {
        const at = position.get(id);
        if (at === undefined) lost.push(`${sender}>${recipient} ${id}`);
        else if (at < last) reordered.push(`${sender}>${recipient} ${id}`);
        else last = at;
      }
    }
    return {
      acked: this.ackedCount,
      delivered,
      lost,
      duplicated,
      reordered,
      failed: [...this.failed],
    };
  }

  close(): void {
    for (const c of this.clients.values()) c.close();
  }
}
