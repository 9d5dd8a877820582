/**
 * The shapes every part of the simulator agrees on: a validated scenario
 * (what `scenario/` parses from YAML), the history a run records (what
 * `checkers/` judge), and a run's result (what the CLI prints and `report/`
 * renders). Times in a history are virtual milliseconds since the run's
 * start (t = 0); times in a scenario are seconds.
 */

// ---- scenario ------------------------------------------------------------------------

/** A latency distribution, in milliseconds. Draws are clamped to >= 0. */
export type Distribution =
  | { readonly dist: 'constant'; readonly ms: number }
  | { readonly dist: 'uniform'; readonly minMs: number; readonly maxMs: number }
  | { readonly dist: 'normal'; readonly meanMs: number; readonly sdMs: number }
  | { readonly dist: 'lognormal'; readonly medianMs: number; readonly sigma: number }
  | { readonly dist: 'exponential'; readonly meanMs: number };

/** Which nodes a partition cuts, by node index (0-based, node `n{i+1}`). */
export type PartitionShape =
  /** `node` cut off from every other node and from the bus (it sees itself isolated). */
  | { readonly shape: 'isolate'; readonly node: number }
  /** The nodes in `minority` on one side, the rest on the other; both still reach the bus. */
  | { readonly shape: 'split'; readonly minority: readonly number[] }
  /** `a` and `b` cannot talk to each other; `bridge` talks to both. */
  | {
      readonly shape: 'bridge';
      readonly a: readonly number[];
      readonly b: readonly number[];
      readonly bridge: number;
    }
  /** Frames from `from` to `to` are lost; the other direction works. */
  | { readonly shape: 'asymmetric'; readonly from: number; readonly to: number };

export type FaultSpec =
  | ({ readonly kind: 'partition' } & PartitionShape)
  /** `node` crashes (its memory is lost, the store keeps what it wrote); restarts after `restartAfterS` unless absent. */
  | { readonly kind: 'crash'; readonly node: number; readonly restartAfterS?: number }
  /** Each node in turn: crash, restart after `downS`, next one `intervalS` after the previous restart. */
  | { readonly kind: 'rolling-restart'; readonly downS: number; readonly intervalS: number }
  /** `node` drains: sends its clients away, hands its actors off, leaves the cluster. */
  | { readonly kind: 'drain'; readonly node: number }
  /** Every store call fails `unavailable`. */
  | { readonly kind: 'store-outage' }
  /** Store calls take this latency instead of the scenario's. */
  | { readonly kind: 'store-slow'; readonly latencyMs: Distribution }
  /** Store writes fail with `failureRate`, or land but answer an error with `indeterminateRate`. */
  | {
      readonly kind: 'store-flaky';
      readonly failureRate: number;
      readonly indeterminateRate: number;
    }
  /** Bus messages between nodes are dropped with `dropRate` and duplicated with `duplicateRate`. */
  | { readonly kind: 'link-loss'; readonly dropRate: number; readonly duplicateRate?: number }
  /** `share` of connected devices lose their connection at once; they reconnect with the SDK's backoff (jitter on or off). */
  | { readonly kind: 'reconnect-storm'; readonly share: number; readonly jitter: boolean };

/** A fault on the timeline: starts at `atS`; lasts `durationS` (ends on its own: heal, back up) when the kind has a duration. */
export type Fault = FaultSpec & { readonly atS: number; readonly durationS?: number };

export type CheckName =
  | 'lost'
  | 'duplicated'
  | 'reordered'
  | 'receipts'
  | 'seq-owners'
  | 'availability'
  | 'convergence'
  | 'latency'
  | 'messages-per-op';

export interface Scenario {
  readonly name: string;
  readonly description: string;
  /** Default seed when `--seed` is not given. */
  readonly seed: number;
  /** Simulated seconds of workload; the run goes on up to `checks.convergenceS` more for the checkers. */
  readonly durationS: number;
  readonly topology: {
    readonly nodes: number;
    /** Membership: silence before a node is declared down. Default 2000. */
    readonly downAfterMs: number;
    readonly heartbeatMs: number;
  };
  readonly network: {
    /** One-way latency of a bus message between a node and another. */
    readonly latencyMs: Distribution;
    readonly dropRate: number;
    readonly duplicateRate: number;
    /** One-way latency between a client and the node it is connected to. */
    readonly clientLatencyMs: Distribution;
  };
  readonly store: {
    readonly latencyMs: Distribution;
    readonly failureRate: number;
    readonly indeterminateRate: number;
  };
  readonly users: {
    readonly count: number;
    readonly devicesPerUser: number;
  };
  readonly workload: {
    /** Messages each user sends per simulated second (0.1 = one every 10 s), Poisson. */
    readonly messagesPerUserPerS: number;
    /** Share of messages that go to a group, in [0, 1]. */
    readonly groupShare: number;
    readonly groups: { readonly count: number; readonly size: number };
    /** Share of messages preceded by a `typing` frame, in [0, 1]. */
    readonly typingShare: number;
    /** Presence subscriptions per user (contacts watched). */
    readonly presenceContacts: number;
    /** Workload starts and stops at these simulated seconds (default 0 and `durationS`). */
    readonly startS: number;
    readonly stopS: number;
  };
  readonly clients: {
    /** SDK reconnect backoff. */
    readonly reconnect: {
      readonly initialDelayMs: number;
      readonly maxDelayMs: number;
      readonly jitter: boolean;
    };
    /** SDK resend of an unacked message while connected. */
    readonly ackTimeoutMs: number;
  };
  readonly faults: readonly Fault[];
  readonly checks: {
    /** Which checkers run (default: all). */
    readonly run: readonly CheckName[];
    /** A send counts as available when its `sent` came within this many ms. Default 5000. */
    readonly availabilityDeadlineMs: number;
    /** `availability` passes at or above this share. Default 0 (report only) unless set. */
    readonly availabilityMin: number;
    /** After the last fault ends, every acked message reaches every connected recipient device within this. Default 30. */
    readonly convergenceS: number;
  };
  /** Parameter sweeps: dotted scenario path → values; `--sweep` adds or replaces one. */
  readonly sweeps: Readonly<Record<string, readonly (number | string | boolean)[]>>;
}

// ---- history (what a run observed) ---------------------------------------------------

/** Everything a client device saw or did, at virtual time `t` (ms since the run's start). */
export type HistoryEvent =
  /** The device got `welcome` from `node`. */
  | {
      readonly k: 'connect';
      readonly t: number;
      readonly user: string;
      readonly device: string;
      readonly node: string;
    }
  /** The device's socket closed. */
  | {
      readonly k: 'disconnect';
      readonly t: number;
      readonly user: string;
      readonly device: string;
      readonly code: number;
    }
  /** The app called send; `to` is `user:ID` or `group:ID`. */
  | {
      readonly k: 'send';
      readonly t: number;
      readonly user: string;
      readonly device: string;
      readonly id: string;
      readonly to: string;
    }
  /** A raw `ack` `sent` frame for `id` reached the sending device (every one, repeats included). */
  | {
      readonly k: 'sent';
      readonly t: number;
      readonly user: string;
      readonly device: string;
      readonly id: string;
    }
  /** A raw `message` frame reached a device (every one, repeats included: the SDK's dedupe is not applied). */
  | {
      readonly k: 'deliver';
      readonly t: number;
      readonly user: string;
      readonly device: string;
      readonly from: string;
      readonly id: string;
      readonly seq: number;
      /** `user:ID` (the other party, or the user itself for an own copy) or `group:ID`. */
      readonly conv: string;
    }
  /** A raw receipt (`ack` `delivered`/`read`) reached a sender's device. */
  | {
      readonly k: 'receipt';
      readonly t: number;
      readonly user: string;
      readonly device: string;
      readonly id: string;
      readonly by: string;
      readonly status: 'delivered' | 'read';
      readonly group?: string;
    }
  /** The device acked a message `read` (the workload reads some of what it gets). */
  | {
      readonly k: 'read';
      readonly t: number;
      readonly user: string;
      readonly device: string;
      readonly from: string;
      readonly id: string;
    }
  /** The server refused a send for good (not retried): `code` of its error frame. */
  | {
      readonly k: 'refused';
      readonly t: number;
      readonly user: string;
      readonly device: string;
      readonly id: string;
      readonly code: string;
    };

/** One successful (not duplicate) inbox append in the store: who issued `seq` for `user`, under which epoch. */
export interface Issued {
  readonly t: number;
  readonly user: string;
  readonly epoch: number;
  readonly seq: number;
  /** The stored item's key (e.g. the message's `from`/`id`). */
  readonly key: string;
}

/** A fault as it happened: from `fromMs` to `toMs` (undefined: never ended). */
export interface FaultWindow {
  readonly kind: string;
  readonly label: string;
  readonly fromMs: number;
  readonly toMs?: number;
}

export interface History {
  /** In time order. */
  readonly events: readonly HistoryEvent[];
  readonly issued: readonly Issued[];
  readonly faults: readonly FaultWindow[];
  /** Every simulated device. */
  readonly devices: readonly { readonly user: string; readonly device: string }[];
  /** Group id → member user ids at the end of the run. */
  readonly groups: Readonly<Record<string, readonly string[]>>;
  /** Virtual time the workload stopped and the run ended. */
  readonly workloadEndMs: number;
  readonly endMs: number;
  /** Work the run did, for `messages-per-op`. */
  readonly counters: {
    readonly busMessages: number;
    readonly storeCalls: number;
    readonly actorMessages: number;
  };
}

// ---- results -------------------------------------------------------------------------

/** One checker's verdict plus its figures (counts, shares, percentiles, a few examples). */
export interface CheckResult {
  readonly ok: boolean;
  readonly [figure: string]: unknown;
}

/** One bucket (default 1 simulated second) of the run's time series. */
export interface SeriesPoint {
  /** Bucket start, simulated seconds. */
  readonly t: number;
  readonly sends: number;
  readonly sentAcks: number;
  readonly delivered: number;
  /** send→first `sent` of the sends acked in this bucket, ms (undefined: none). */
  readonly sentP50Ms?: number;
  readonly sentP99Ms?: number;
  /** send→first delivery to a recipient device, for deliveries in this bucket, ms. */
  readonly deliverP50Ms?: number;
  readonly deliverP99Ms?: number;
  /** Share of this bucket's sends acked within the availability deadline (undefined: no sends). */
  readonly availability?: number;
  readonly connectedDevices: number;
}

/** A node's state at a sample time. */
export interface NodeSample {
  readonly t: number;
  readonly node: string;
  readonly alive: boolean;
  readonly isolated: boolean;
  readonly viewVersion: number;
  /** Members of this node's view, `node@creation`. */
  readonly members: readonly string[];
  readonly actors: number;
  readonly sessions: number;
}

export interface TimelineEvent {
  /** Simulated ms. */
  readonly t: number;
  readonly kind: HistoryEvent['k'];
  readonly text: string;
}

export interface RunResult {
  readonly scenario: string;
  readonly seed: number;
  /** Hex hash of the run's event trace: same seed and commit, same trace. */
  readonly trace: string;
  readonly simulatedS: number;
  readonly wallS: number;
  readonly speedup: number;
  readonly ok: boolean;
  readonly checks: Readonly<Record<string, CheckResult>>;
  /** The one command that replays this run. */
  readonly command: string;
  /** Parameter values of this run when it came from a sweep. */
  readonly params?: Readonly<Record<string, number | string | boolean>>;
  readonly series: readonly SeriesPoint[];
  readonly faults: readonly FaultWindow[];
  readonly nodes: readonly NodeSample[];
  /** One user's messages over time, for the report's timeline. */
  readonly timeline: { readonly user: string; readonly events: readonly TimelineEvent[] };
  readonly counters: History['counters'] & { readonly events: number; readonly sends: number };
}
