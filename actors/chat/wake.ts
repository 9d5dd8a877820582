/**
 * Waking at node start: the store lists owners with unfinished work
 * (`markWake`); this node sends `wake` to those it owns, which activates them,
 * and activation resumes their resends. Without it, a forward pending at a
 * crash would wait until a client of that user came back.
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
  let after: string | null = null;
  let woken = 0;
  try {
    for (;;) {
      const owners = await store.listWake(after, PAGE);
      for (const key of owners) {
        if (placement(key) !== system.node) continue;
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
