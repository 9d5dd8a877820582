/**
 * Membership and failure detection as a pure state machine: no I/O, no clock;
 * every input carries `nowMs` (as `runtime/supervisor/restart-window.ts`
 * takes its time). `membership.ts` drives it over NATS; tests drive it under
 * virtual time.
 *
 * Inputs: `heartbeat(info, nowMs)` for every heartbeat received (our own
 * included: NATS echoes it back), `leave(node, creation, nowMs)` for an
 * announced leave, `tick(nowMs)` every `tickMs`. Each returns a `Step`: the
 * view change, if any, and the new isolation state if it flipped.
 *
 * The view: the members heard from, sorted by node name, with a `version`
 * that grows by one on every change (join, leave, down, replacement, status
 * or address change). Our own node enters the view when our first heartbeat
 * comes back, which proves the round trip through NATS.
 *
 * Incarnations: a heartbeat with a higher `creation` replaces the member
 * (the older incarnation is down); a lower one is stale and ignored. A left
 * incarnation is tombstoned: its late heartbeats never bring it back. A node
 * declared down that is heard again (same creation: it was partitioned or
 * paused) rejoins, and is counted in `stats.rejoins`: every rejoin is a
 * down-detection the node survived, i.e. a false positive or a healed
 * partition.
 *
 * Failure detection ("suspect, then down", with silence counted only while
 * we ourselves are known to be running and connected):
 * - Each member accrues *silence*; a heartbeat resets it. At each tick the
 *   silence grows by the time since the previous tick, capped at
 *   `tickMs + pauseToleranceMs`: a longer gap is our own process having
 *   been paused (GC, a loaded machine), and the paused time is not held
 *   against others.
 * - A gap over that cap is a *late tick* (`stats.lateTicks`): nobody is
 *   declared down (nor are we declared isolated) on it, nor for `graceMs`
 *   after it, so that heartbeats that queued up while we were paused are
 *   read first. If the lateness never ends (ticks late for `downAfterMs` of
 *   credited time in a row), verdicts resume: detection slows under an
 *   overloaded process, it never stops.
 * - Silence accrues only while our own heartbeat came back within
 *   `echoFreshMs`. When we are cut off, we cannot tell dead members from our
 *   own isolation, so we stop judging; when our echo comes back after such a
 *   gap, every member's silence restarts from 0 (each gets a full
 *   `downAfterMs` to be heard again). This is why a NATS restart, which cuts
 *   every node off at once, removes nobody.
 * - At `suspectAfterMs` of silence a member is *suspect* (`stats.suspicions`);
 *   a suspect heard again counts in `stats.suspicionsCleared`. At
 *   `downAfterMs` it is down and leaves the view.
 * - Fast down: `unreachable(node, creation)` reports that a probe of a
 *   suspect found no NATS subscriber for it (its connection is gone, e.g. the
 *   process was killed): it is down at once (`stats.fastDowns`, counted in
 *   `downs` too), but only if it is still that incarnation with at least
 *   `suspectAfterMs` of silence, and we are judging normally (our echo fresh,
 *   not isolated, not in a grace period after a late tick). Otherwise it is
 *   ignored: a live member that is merely slow is never fast-downed.
 * - Detection bound: when our process runs normally (ticks at most
 *   `pauseToleranceMs` late) and stays connected, a member that stops
 *   heartbeating is removed at most `downAfterMs + tickMs` (plus the tick's
 *   own lateness) after the last heartbeat we received from it: 2.1 s by
 *   default, and never before `downAfterMs` of silence.
 * - Isolation: `isolated()` turns true at the first on-time tick (outside a
 *   grace period) at which our own heartbeat has not come back for
 *   `downAfterMs` of accrued time, and false as soon as it comes back.
 *
 * Invariants (asserted): versions only grow; our own node is never declared
 * down; every member in the view has one entry per node name.
 */
import { ErrorCode, ParleyError, quote } from '../runtime/index.ts';
import {
  type DetectorOptions,
  type ResolvedDetectorOptions,
  resolveDetectorOptions,
} from './detector-options.ts';
import type {
  MemberInfo,
  MembershipStats,
  RemovalReason,
  Step,
  View,
  ViewChange,
} from './membership-types.ts';

export * from './membership-types.ts';

/** Tombstones and down marks kept per kind (oldest dropped first). */
const REMEMBERED_MAX = 4096;

interface Entry {
  info: MemberInfo;
  silentMs: number;
  /** Time up to which silence has been accounted. */
  accruedAtMs: number;
  suspect: boolean;
}

function sameInfo(a: MemberInfo, b: MemberInfo): boolean {
  return (
    a.creation === b.creation &&
    a.status === b.status &&
    a.http === b.http &&
    a.ws === b.ws &&
    a.admin === b.admin &&
    a.startedAt === b.startedAt
  );
}

function remember(map: Map<string, number>, node: string, creation: number): void {
  map.delete(node);
  map.set(node, creation);
  if (map.size > REMEMBERED_MAX) map.delete(map.keys().next().value as string);
}

export class MembershipCore {
  readonly options: ResolvedDetectorOptions;
  readonly stats: MembershipStats = {
    ticks: 0,
    lateTicks: 0,
    maxTickGapMs: 0,
    suspicions: 0,
    suspicionsCleared: 0,
    downs: 0,
    fastDowns: 0,
    downsDeferred: 0,
    rejoins: 0,
    replaced: 0,
    left: 0,
    staleHeartbeats: 0,
    foreignSelf: 0,
    isolations: 0,
  };
  private selfInfo: MemberInfo;
  private readonly members = new Map<string, Entry>();
  private current: View = { version: 0, members: [] };
  private lastTickMs: number;
  private selfSilentMs = 0;
  private selfAccruedAtMs: number;
  private graceUntilMs = Number.NEGATIVE_INFINITY;
  /** Credited time since the last on-time tick outside a grace period. */
  private deferredMs = 0;
  private isIsolated = false;
  private hasLeft = false;
  /** Left incarnations: heartbeats of these (or older) creations are ignored. */
  private readonly departed = new Map<string, number>();
  /** Incarnations we declared down: heard again, they count as rejoins. */
  private readonly downed = new Map<string, number>();

  constructor(self: MemberInfo, nowMs: number, opts: DetectorOptions = {}) {
    this.options = resolveDetectorOptions(opts);
    this.selfInfo = self;
    this.lastTickMs = nowMs;
    this.selfAccruedAtMs = nowMs;
  }

  view(): View {
    return this.current;
  }

  self(): MemberInfo {
    return this.selfInfo;
  }

  /** Whether our own heartbeat has stopped coming back (as of the last input). */
  isolated(): boolean {
    return this.isIsolated;
  }

  /** Whether we announced our leave (all later inputs are ignored). */
  left(): boolean {
    return this.hasLeft;
  }

  /** Changes what our heartbeats announce; our view entry follows at once if we are in it. */
  setSelf(info: MemberInfo): Step {
    if (info.node !== this.selfInfo.node || info.creation !== this.selfInfo.creation) {
      throw new ParleyError(
        ErrorCode.InvalidArgument,
        `membership setSelf may change status and addresses only, got node ${quote(info.node)} creation ${quote(info.creation)}`,
      );
    }
    this.selfInfo = info;
    const entry = this.members.get(info.node);
    if (this.hasLeft || entry === undefined || sameInfo(entry.info, info)) return {};
    const from = entry.info;
    entry.info = info;
    return { change: this.commit([], [], [{ from, to: info }]) };
  }

  heartbeat(info: MemberInfo, nowMs: number): Step {
    if (this.hasLeft) return {};
    if (info.node === this.selfInfo.node) return this.echo(info, nowMs);
    const tomb = this.departed.get(info.node);
    const entry = this.members.get(info.node);
    if (
      (tomb !== undefined && info.creation <= tomb) ||
      (entry && info.creation < entry.info.creation)
    ) {
      this.stats.staleHeartbeats++;
      return {};
    }
    if (entry && entry.info.creation === info.creation) {
      if (entry.suspect) this.stats.suspicionsCleared++;
      entry.suspect = false;
      entry.silentMs = 0;
      entry.accruedAtMs = nowMs;
      if (sameInfo(entry.info, info)) return {};
      const from = entry.info;
      entry.info = info;
      return { change: this.commit([], [], [{ from, to: info }]) };
    }
    const removed: { member: MemberInfo; reason: RemovalReason }[] = [];
    if (entry) {
      this.stats.replaced++;
      removed.push({ member: entry.info, reason: 'replaced' });
    }
    if (this.downed.get(info.node) === info.creation) {
      this.stats.rejoins++;
      this.downed.delete(info.node);
    }
    if (tomb !== undefined) this.departed.delete(info.node);
    this.members.set(info.node, { info, silentMs: 0, accruedAtMs: nowMs, suspect: false });
    return { change: this.commit([info], removed, []) };
  }

  /** An announced leave of `node`'s incarnation `creation` (or older). */
  leave(node: string, creation: number, nowMs: number): Step {
    if (this.hasLeft) return {};
    remember(this.departed, node, Math.max(creation, this.departed.get(node) ?? creation));
    if (node === this.selfInfo.node) {
      if (creation !== this.selfInfo.creation) return {};
      this.hasLeft = true;
      this.lastTickMs = nowMs;
    }
    const entry = this.members.get(node);
    if (entry === undefined || entry.info.creation > creation) return {};
    this.members.delete(node);
    this.stats.left++;
    return { change: this.commit([], [{ member: entry.info, reason: 'left' }], []) };
  }

  tick(nowMs: number): Step {
    if (this.hasLeft) return {};
    const o = this.options;
    const gapMs = Math.max(0, nowMs - this.lastTickMs);
    this.lastTickMs = nowMs;
    this.stats.ticks++;
    if (gapMs > this.stats.maxTickGapMs) this.stats.maxTickGapMs = gapMs;
    const creditMs = Math.min(gapMs, o.tickMs + o.pauseToleranceMs);
    const late = gapMs > o.tickMs + o.pauseToleranceMs;
    if (late) {
      this.stats.lateTicks++;
      this.graceUntilMs = nowMs + o.graceMs;
    }
    // Lateness that never ends (a machine overloaded for good) must not stop detection: after
    // downAfterMs of credited time without a verdict-capable tick, judge anyway.
    const onTime = !late && nowMs >= this.graceUntilMs;
    this.deferredMs = onTime ? 0 : this.deferredMs + creditMs;
    const judging = onTime || this.deferredMs >= o.downAfterMs;

    this.selfSilentMs += Math.max(0, Math.min(nowMs - this.selfAccruedAtMs, creditMs));
    this.selfAccruedAtMs = nowMs;
    const healthy = this.selfSilentMs < o.echoFreshMs;

    const removed: { member: MemberInfo; reason: RemovalReason }[] = [];
    for (const [node, entry] of this.members) {
      if (node === this.selfInfo.node) continue;
      if (healthy) entry.silentMs += Math.max(0, Math.min(nowMs - entry.accruedAtMs, creditMs));
      entry.accruedAtMs = nowMs;
      if (!entry.suspect && entry.silentMs >= o.suspectAfterMs) {
        entry.suspect = true;
        this.stats.suspicions++;
      }
      if (entry.silentMs < o.downAfterMs) continue;
      if (!judging || !healthy) {
        this.stats.downsDeferred++;
        continue;
      }
      this.members.delete(node);
      remember(this.downed, node, entry.info.creation);
      this.stats.downs++;
      removed.push({ member: entry.info, reason: 'down' });
    }

    let isolated: boolean | undefined;
    if (!this.isIsolated && judging && this.selfSilentMs >= o.downAfterMs) {
      this.isIsolated = true;
      this.stats.isolations++;
      isolated = true;
    }
    const change = removed.length > 0 ? this.commit([], removed, []) : undefined;
    return { ...(change && { change }), ...(isolated !== undefined && { isolated }) };
  }

  /** Members other than us with at least `suspectAfterMs` of silence: whom to probe. */
  suspects(): { node: string; creation: number }[] {
    const out: { node: string; creation: number }[] = [];
    for (const [node, e] of this.members) {
      if (node !== this.selfInfo.node && e.silentMs >= this.options.suspectAfterMs) {
        out.push({ node, creation: e.info.creation });
      }
    }
    return out;
  }

  /** A probe of suspect `node`@`creation` found no NATS subscriber: down at once if still safe (see the module doc). */
  unreachable(node: string, creation: number, nowMs: number): Step {
    const entry = this.members.get(node);
    const o = this.options;
    const echoAgeMs = this.selfSilentMs + Math.max(0, nowMs - this.selfAccruedAtMs);
    if (
      this.hasLeft ||
      this.isIsolated ||
      node === this.selfInfo.node ||
      entry === undefined ||
      entry.info.creation !== creation ||
      entry.silentMs < o.suspectAfterMs ||
      echoAgeMs >= o.echoFreshMs ||
      nowMs < this.graceUntilMs ||
      nowMs - this.lastTickMs > o.tickMs + o.pauseToleranceMs
    ) {
      return {};
    }
    this.members.delete(node);
    remember(this.downed, node, creation);
    this.stats.downs++;
    this.stats.fastDowns++;
    return { change: this.commit([], [{ member: entry.info, reason: 'down' }], []) };
  }

  /** Our own heartbeat came back through NATS. */
  private echo(info: MemberInfo, nowMs: number): Step {
    if (info.creation !== this.selfInfo.creation) {
      this.stats.foreignSelf++;
      return {};
    }
    if (this.selfSilentMs >= this.options.echoFreshMs) {
      // We were cut off and stopped judging: everyone gets a fresh start.
      for (const entry of this.members.values()) {
        entry.silentMs = 0;
        entry.accruedAtMs = nowMs;
      }
    }
    this.selfSilentMs = 0;
    this.selfAccruedAtMs = nowMs;
    const wasIsolated = this.isIsolated;
    this.isIsolated = false;
    let change: ViewChange | undefined;
    if (!this.members.has(info.node)) {
      // The view holds what we announce now, not what this (possibly older) echo said.
      this.members.set(info.node, {
        info: this.selfInfo,
        silentMs: 0,
        accruedAtMs: nowMs,
        suspect: false,
      });
      change = this.commit([this.selfInfo], [], []);
    }
    return { ...(change && { change }), ...(wasIsolated && { isolated: false }) };
  }

  private commit(
    added: readonly MemberInfo[],
    removed: ViewChange['removed'],
    updated: ViewChange['updated'],
  ): ViewChange {
    const previous = this.current;
    const members = [...this.members.values()]
      .map((e) => e.info)
      .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : 0));
    const view: View = { version: previous.version + 1, members };
    if (view.version <= previous.version) {
      throw new ParleyError(
        ErrorCode.Internal,
        `membership view version did not grow: ${quote(view.version)}`,
      );
    }
    this.current = view;
    return { view, previous, added, removed, updated };
  }
}
