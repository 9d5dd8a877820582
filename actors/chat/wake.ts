/**
 * Waking owners with unfinished work: the store lists owners with pending
 * forwards or fan-out (its "Wake list": an inbox append with pending marks
 * lists its user and the clear of the user's last pending mark unlists it, a
 * group log append lists its group, which clears itself with `clearWake`);
 * a node sends `wake` to those it owns, which activates them, and
 * activation resumes their resends. Without it, a forward pending at a crash
 * or a handoff would wait until a client of that user came back. A listed
 * owner with nothing left to do (a spurious mark) costs one activation.
 *
 * - `wakeOwners`: one pass at node start (every listed key owned here).
 * - `WakeOnGain`: the same at start, then again after every view change for
 *   the listed keys this node owns now and did not own at the previous pass
 *   (the keys whose shard it gained). The listener marks keys lost at the
 *   moment of the change, so a key lost and regained between passes is woken.
 *   Each pass re-reads the whole wake list (pages of 1000): the list holds
 *   only owners with unconfirmed work, and passes are coalesced (one running,
 *   at most one queued), so a burst of view changes costs at most two reads.
 */
import type { ActorSystem } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';
import type { Directory, Placement } from '../virtual/index.ts';

const PAGE = 1000;

/** Resolves with how many actors it woke; logs (never throws) when the store cannot be read. */
export async function wakeOwners(
  system: ActorSystem,
  store: Store,
  directory: Directory,
  placement: Placement,
): Promise<number> {
  return wakePass(system, store, directory, placement, () => true);
}

async function wakePass(
  system: ActorSystem,
  store: Store,
  directory: Directory,
  placement: Placement,
  wanted: (key: string) => boolean,
  seen?: Set<string>,
): Promise<number> {
  let after: string | null = null;
  let woken = 0;
  try {
    for (;;) {
      const owners = await store.listWake(after, PAGE);
      for (const key of owners) {
        seen?.add(key);
        if (placement.owner(key) !== system.node || !wanted(key)) continue;
        directory.send(key, { t: 'wake' });
        woken++;
      }
      if (owners.length < PAGE) break;
      after = owners.at(-1)!;
    }
    if (woken > 0) system.log.info({ woken }, 'woke actors with unfinished work');
  } catch (err) {
    system.log.error(
      { err: String(err) },
      'could not read the wake list; actors wake on their next message',
    );
  }
  return woken;
}

export class WakeOnGain {
  /** Listed keys this node owned at the last pass and has not lost since. */
  private readonly owned = new Set<string>();
  private running: Promise<void> | null = null;
  private again = false;
  private unsubscribe: (() => void) | null = null;
  /** Actors woken since start. */
  woken = 0;

  constructor(
    private readonly system: ActorSystem,
    private readonly store: Store,
    private readonly directory: Directory,
    private readonly placement: Placement,
  ) {}

  /** Subscribes to view changes and runs the first pass; resolves when it is done. */
  start(): Promise<void> {
    this.unsubscribe ??= this.placement.onChange(() => this.changed());
    return this.schedule();
  }

  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  /** Resolves once no pass is running or queued. */
  async idle(): Promise<void> {
    while (this.running !== null) await this.running;
  }

  private changed(): void {
    for (const key of this.owned)
      if (this.placement.owner(key) !== this.system.node) this.owned.delete(key);
    void this.schedule();
  }

  private schedule(): Promise<void> {
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.pass();
      } while (this.again);
      this.running = null;
    })();
    return this.running;
  }

  private async pass(): Promise<void> {
    const seen = new Set<string>();
    this.woken += await wakePass(
      this.system,
      this.store,
      this.directory,
      this.placement,
      (key) => {
        if (this.owned.has(key)) return false;
        this.owned.add(key);
        return true;
      },
      seen,
    );
    // Keys that left the wake list are forgotten (they are woken if they come back).
    for (const key of this.owned) if (!seen.has(key)) this.owned.delete(key);
  }
}
