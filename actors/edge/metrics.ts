/**
 * The node's Prometheus metrics, in a registry of its own (never prom-client's
 * global one, so two nodes in one process, or tests, do not collide).
 *
 * Counters are bumped where things happen (the edge through `EdgeCounters`,
 * the HTTP server, `instrumentStore`); runtime numbers (actors, mailbox
 * depth, dead letters) are read from the `ActorSystem` at scrape time, so
 * they cost nothing between scrapes. A scrape walks every local actor once.
 *
 * Latencies are measured on a monotonic high-resolution timer (`monotonicMs`,
 * default `performance.now`): they are reported, never acted on, so they do
 * not break the determinism of the actors; the simulator may inject its own.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { type ActorSystem, monotonicMs } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { PushCounters } from '../push/index.ts';
import type { EdgeCounters } from './counters.ts';

export interface MetricsOptions {
  readonly system: ActorSystem;
  /** Prepended to every metric name; default `parley_`. */
  readonly prefix?: string;
  /** A monotonic clock in ms for latencies; default `performance.now`. */
  readonly monotonicMs?: () => number;
}

export class Metrics implements EdgeCounters, PushCounters {
  readonly registry = new Registry();
  readonly monotonicMs: () => number;
  readonly connectionsOpen: Gauge;
  readonly connectionsTotal: Counter;
  readonly mqttSessionsOpen: Gauge;
  readonly mqttSessionsTotal: Counter;
  readonly authFailures: Counter<'reason'>;
  readonly httpRequests: Counter<'route' | 'status'>;
  readonly storeLatency: Histogram<'method' | 'outcome'>;
  private readonly framesIn: Counter;
  private readonly framesOut: Counter;
  private readonly messagesIn: Counter;
  private readonly messagesOut: Counter;
  private readonly errors: Counter<'code'>;
  private readonly pushes: Counter<'kind'>;
  private readonly pushFailures: Counter<'kind' | 'reason'>;
  private readonly pushDeadLetters: Counter;
  private readonly pushExpirations: Counter<'kind'>;
  private readonly pushDrops: Counter<'reason'>;
  private readonly prefix: string;
  private commitsFrom: (() => number) | undefined;

  constructor(options: MetricsOptions) {
    const p = options.prefix ?? 'parley_';
    this.prefix = p;
    const registers = [this.registry];
    const system = options.system;
    this.monotonicMs = options.monotonicMs ?? monotonicMs;
    this.connectionsOpen = new Gauge({
      name: `${p}connections_open`,
      help: 'WebSocket connections open now',
      registers,
    });
    this.connectionsTotal = new Counter({
      name: `${p}connections_total`,
      help: 'WebSocket connections accepted',
      registers,
    });
    this.mqttSessionsOpen = new Gauge({
      name: `${p}mqtt_sessions_open`,
      help: 'MQTT sessions open now (docs/mqtt.md)',
      registers,
    });
    this.mqttSessionsTotal = new Counter({
      name: `${p}mqtt_sessions_total`,
      help: 'MQTT sessions accepted',
      registers,
    });
    this.authFailures = new Counter({
      name: `${p}auth_failures_total`,
      help: 'Requests, upgrades and MQTT CONNECTs refused for their token, by reason',
      labelNames: ['reason'],
      registers,
    });
    this.httpRequests = new Counter({
      name: `${p}http_requests_total`,
      help: 'HTTP requests answered, by route and status',
      labelNames: ['route', 'status'],
      registers,
    });
    this.framesIn = counter(p, 'frames_in_total', 'Client frames received', registers);
    this.framesOut = counter(p, 'frames_out_total', 'Frames written to clients', registers);
    this.messagesIn = counter(p, 'messages_in_total', 'Client message frames forwarded', registers);
    this.messagesOut = counter(
      p,
      'messages_out_total',
      'Message frames written to clients',
      registers,
    );
    this.errors = new Counter({
      name: `${p}errors_total`,
      help: 'Error frames written to clients, by code',
      labelNames: ['code'],
      registers,
    });
    this.pushes = new Counter({
      name: `${p}push_sent_total`,
      help: 'Pushes a push service or the webhook relay took, by kind (webpush, webhook)',
      labelNames: ['kind'],
      registers,
    });
    this.pushFailures = new Counter({
      name: `${p}push_failed_total`,
      help: 'Pushes given up, by kind and reason (rejected, exhausted)',
      labelNames: ['kind', 'reason'],
      registers,
    });
    this.pushDeadLetters = counter(
      p,
      'push_dead_letters_total',
      'Webhook pushes given up: refused by the relay or out of retries',
      registers,
    );
    this.pushExpirations = new Counter({
      name: `${p}push_subscriptions_expired_total`,
      help: 'Push subscriptions deleted because their service said they are gone (404/410)',
      labelNames: ['kind'],
      registers,
    });
    this.pushDrops = new Counter({
      name: `${p}push_dropped_total`,
      help: 'Pushes not sent, by reason (rate_limited, queue_full, windows_full)',
      labelNames: ['reason'],
      registers,
    });
    this.storeLatency = new Histogram({
      name: `${p}store_latency_seconds`,
      help: 'Latency of store calls, by method and outcome (ok or the error code)',
      labelNames: ['method', 'outcome'],
      buckets: [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    new Gauge({
      name: `${p}actors`,
      help: 'Live actors on this node',
      registers,
      collect() {
        this.set(system.actorCount);
      },
    });
    const depth = { max: 0, sum: 0 };
    const readDepth = () => {
      depth.max = 0;
      depth.sum = 0;
      for (const cell of system.actors()) {
        const d = cell.depth;
        depth.sum += d;
        if (d > depth.max) depth.max = d;
      }
    };
    new Gauge({
      name: `${p}mailbox_depth_max`,
      help: 'Deepest mailbox of a live actor on this node, at scrape time',
      registers,
      collect() {
        readDepth();
        this.set(depth.max);
      },
    });
    new Gauge({
      name: `${p}mailbox_depth_sum`,
      help: 'Messages waiting in all mailboxes on this node, at scrape time',
      registers,
      collect() {
        this.set(depth.sum);
      },
    });
    new Counter({
      name: `${p}dead_letters_total`,
      help: 'Messages that reached no actor, by reason',
      labelNames: ['reason'],
      registers,
      collect() {
        this.reset();
        for (const [reason, n] of Object.entries(system.deadLetters.counts))
          this.inc({ reason }, n);
      },
    });
  }

  frameIn(): void {
    this.framesIn.inc();
  }
  frameOut(count: number): void {
    if (count > 0) this.framesOut.inc(count);
  }
  messageIn(): void {
    this.messagesIn.inc();
  }
  messageOut(count: number): void {
    if (count > 0) this.messagesOut.inc(count);
  }
  error(code: string): void {
    this.errors.inc({ code });
  }

  pushSent(kind: string): void {
    this.pushes.inc({ kind });
  }
  pushFailed(kind: string, reason: string): void {
    this.pushFailures.inc({ kind, reason });
  }
  pushDeadLetter(): void {
    this.pushDeadLetters.inc();
  }
  pushExpired(kind: string): void {
    this.pushExpirations.inc({ kind });
  }
  pushDropped(reason: string): void {
    this.pushDrops.inc({ reason });
  }

  /**
   * Exposes `parley_store_commits_total`, read from `read` at scrape time:
   * the store's durable commits (LMDB write transactions, each one
   * `fdatasync`, shared by every write of one event-loop turn). Once per
   * node; a store that does not count its commits has no such metric.
   */
  countCommits(read: () => number): void {
    const first = this.commitsFrom === undefined;
    this.commitsFrom = read;
    if (!first) return;
    const metrics = this;
    new Counter({
      name: `${this.prefix}store_commits_total`,
      help: 'Durable store commits (LMDB write transactions, each one fdatasync)',
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(metrics.commitsFrom!());
      },
    });
  }

  /** The Prometheus text exposition of every metric. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

function counter(prefix: string, name: string, help: string, registers: Registry[]): Counter {
  return new Counter({ name: `${prefix}${name}`, help, registers });
}

/** Every method of `Store`: the compile-time check below keeps the list whole. */
const STORE_METHODS = [
  'acquireEpoch',
  'appendInbox',
  'readInbox',
  'inboxHead',
  'findByKey',
  'listPending',
  'clearPending',
  'advanceCursor',
  'cursors',
  'recordReceipts',
  'readReceipts',
  'receiptStatus',
  'history',
  'conversations',
  'markRead',
  'getGroup',
  'saveGroup',
  'appendGroupLog',
  'readGroupLog',
  'groupHistory',
  'markWake',
  'clearWake',
  'listWake',
  'putMedia',
  'getMedia',
  'putPushSubscription',
  'listPushSubscriptions',
  'deletePushSubscription',
  'close',
] as const satisfies readonly (keyof Store)[];
type Unlisted = Exclude<keyof Store, (typeof STORE_METHODS)[number]>;
const everyMethodListed: [Unlisted] extends [never] ? true : Unlisted = true;
void everyMethodListed;

/**
 * A `Store` that times every call into `parley_store_latency_seconds`
 * (labels: method, and `ok` or the error's `code`). Behaviour is unchanged:
 * results and rejections pass through as they are.
 */
export function instrumentStore(store: Store, metrics: Metrics): Store {
  const wrapped: Record<string, unknown> = {};
  if (countsCommits(store)) metrics.countCommits(() => store.commits);
  for (const method of STORE_METHODS) {
    const fn = store[method] as (...args: unknown[]) => Promise<unknown>;
    // The `ok` child is bound once: labelling by object on every call was 4-7 % of a busy node.
    const ok = metrics.storeLatency.labels(method, 'ok');
    wrapped[method] = async (...args: unknown[]) => {
      const started = metrics.monotonicMs();
      try {
        const result = await fn.apply(store, args);
        ok.observe((metrics.monotonicMs() - started) / 1000);
        return result;
      } catch (err) {
        metrics.storeLatency.observe(
          { method, outcome: outcomeOf(err) },
          (metrics.monotonicMs() - started) / 1000,
        );
        throw err;
      }
    };
  }
  return wrapped as unknown as Store;
}

/** A store that counts its durable commits (`LmdbStore.commits`). */
function countsCommits(store: Store): store is Store & { readonly commits: number } {
  return typeof (store as { commits?: unknown }).commits === 'number';
}

function outcomeOf(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[a-z_]{1,32}$/.test(code) ? code : 'error';
}
