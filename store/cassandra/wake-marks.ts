/**
 * Wake marks derived from the appends that create work (the contract's
 * "Wake list"), for a database with no atomic write across partitions short
 * of a logged batch: the mark lives in the `wake` table (`wake.ts`), the
 * pending marks in the user's `user_log` partition, and an append is a
 * conditional single-partition batch, which cannot carry the other row.
 *
 * The cheapest correct way, chosen here:
 * - Mark before the append, once per busy period. An append with pending
 *   marks (a group log append) writes `user:<id>` (`group:<id>`) to the wake
 *   list before its batch, unless this process wrote that mark less than
 *   `WAKE_KNOWN_MS` ago at the same epoch. So a pending mark never lands
 *   before its wake mark; a refused or failed append can leave a spurious
 *   one. The write is re-done after `WAKE_KNOWN_MS`, or at a new epoch,
 *   because another process may have cleared the mark meanwhile.
 * - Clear after a quiet period, not at every `clearPending`: in a
 *   conversation the pending set empties after nearly every message, and a
 *   clear there would cost a clear and a fresh mark per message. Instead a
 *   user marked here with no append with pending marks for `WAKE_QUIET_MS`
 *   is checked by `sweep` (on the store's timer): under the user's partition
 *   lock, so no append of this process interleaves, it reads the epoch and
 *   whether a live pending mark is left; with none at the epoch it marked
 *   at, it deletes the mark. A newer epoch means a newer incarnation (maybe
 *   in another process) owns the user: the mark is left to it. Groups clear
 *   their own marks (`clearWake`); a quiet group is only forgotten here.
 *   Cost per busy period: one mark, two reads, one clear, off the path of
 *   every message but the first.
 * - What is remembered is bounded (`WAKE_KNOWN_MAX`, the least recently
 *   appended forgotten first). A forgotten mark, or one left by a process
 *   that crashed, stays until the user's next busy period in some process
 *   ends: spurious, costing one activation per wake pass.
 * - The one cross-process window: a sweep reads the old epoch, then a newer
 *   incarnation elsewhere takes an epoch and writes its mark, then the sweep
 *   deletes it, all within one sweep's read-to-delete time (milliseconds).
 *   That newer owner re-marks at its next append after `WAKE_KNOWN_MS`; only
 *   a crash of it before then leaves its pending forwards waiting for a
 *   client.
 */
import { type Ctx, live } from './context.ts';
import { writeClear, writeMark } from './wake.ts';

/** Owners remembered as marked; beyond it the least recently appended is forgotten. */
export const WAKE_KNOWN_MAX = 100_000;
/** A remembered mark is written again after this long (another process may have cleared it). */
export const WAKE_KNOWN_MS = 60_000;
/** A user marked here is checked for clearing after this long without an append with pending marks. */
export const WAKE_QUIET_MS = 30_000;
/** Between two sweeps. */
export const WAKE_SWEEP_INTERVAL_MS = 10_000;
/** Users checked per sweep. */
export const WAKE_SWEEP_MAX = 500;

interface Known {
  readonly epoch: number;
  readonly markedMs: number;
  lastMs: number;
}

export class WakeMarks {
  /** Owner -> the mark this process wrote; least recently appended first. */
  private readonly known = new Map<string, Known>();

  /** Owners remembered (for tests and metrics). */
  get size(): number {
    return this.known.size;
  }

  /**
   * Before an append by `owner` at `epoch` that creates work: writes the
   * mark unless it is known written. Call under the owner's partition lock.
   */
  async beforeAppend(ctx: Ctx, owner: string, epoch: number): Promise<void> {
    const now = ctx.clock.now();
    const known = this.known.get(owner);
    if (known !== undefined && known.epoch === epoch && now - known.markedMs < WAKE_KNOWN_MS) {
      known.lastMs = now;
      this.known.delete(owner);
      this.known.set(owner, known);
      return;
    }
    await writeMark(ctx, owner);
    this.known.delete(owner);
    this.known.set(owner, { epoch, markedMs: now, lastMs: now });
    if (this.known.size > WAKE_KNOWN_MAX) {
      const oldest = this.known.keys().next();
      if (!oldest.done) this.known.delete(oldest.value);
    }
  }

  /** Forgets `owner`'s mark (it was cleared): its next append writes it again. */
  forget(owner: string): void {
    this.known.delete(owner);
  }

  /**
   * Clears the marks of users quiet for `WAKE_QUIET_MS` whose pending set is
   * empty (see the module doc); at most `WAKE_SWEEP_MAX` checked. Resolves
   * with how many it cleared.
   */
  async sweep(ctx: Ctx): Promise<number> {
    const now = ctx.clock.now();
    const quiet: string[] = [];
    for (const [owner, known] of this.known) {
      if (now - known.lastMs < WAKE_QUIET_MS || quiet.length >= WAKE_SWEEP_MAX) break;
      quiet.push(owner);
    }
    let cleared = 0;
    for (const owner of quiet) {
      if (!owner.startsWith('user:')) {
        this.known.delete(owner);
        continue;
      }
      const user = owner.slice('user:'.length);
      if (await ctx.lock.run(`u:${user}`, () => this.settle(ctx, owner, user))) cleared += 1;
    }
    return cleared;
  }

  /** Clears `owner`'s mark if it is still quiet, at its epoch, with nothing pending. */
  private async settle(ctx: Ctx, owner: string, user: string): Promise<boolean> {
    const known = this.known.get(owner);
    const now = ctx.clock.now();
    if (known === undefined || now - known.lastMs < WAKE_QUIET_MS) return false;
    const [state, pending] = await Promise.all([
      ctx.exec.first(ctx.st.userState, [user]),
      ctx.exec.rows(ctx.st.pending, [user], { limit: 1, keep: live(ctx) }),
    ]);
    const epoch = state?.get('epoch');
    if (epoch === null || epoch === undefined || Number(epoch) !== known.epoch) {
      this.known.delete(owner);
      return false;
    }
    if (pending.length > 0) {
      known.lastMs = now;
      this.known.delete(owner);
      this.known.set(owner, known);
      return false;
    }
    await writeClear(ctx, owner);
    this.known.delete(owner);
    return true;
  }
}
