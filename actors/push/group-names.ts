/**
 * Group names for notification titles, read from the Store and kept for
 * `ttlMs` (a renamed group shows its old name that long). At most `max`
 * names are kept, the oldest dropped first. A failed read gives no name (the
 * title shows the group id).
 */
import type { Clock } from '../../runtime/index.ts';
import type { Store } from '../../store/index.ts';

export class GroupNames {
  private readonly names = new Map<
    string,
    { readonly name: string | undefined; readonly until: number }
  >();

  constructor(
    private readonly store: Pick<Store, 'getGroup'>,
    private readonly clock: Clock,
    private readonly ttlMs = 300_000,
    private readonly max = 10_000,
  ) {}

  async get(group: string): Promise<string | undefined> {
    const now = this.clock.now();
    const kept = this.names.get(group);
    if (kept !== undefined && kept.until > now) return kept.name;
    const name = await this.store.getGroup(group).then(
      (meta) => meta?.name,
      () => undefined,
    );
    this.names.delete(group);
    if (this.names.size >= this.max) this.names.delete(this.names.keys().next().value!);
    this.names.set(group, { name, until: now + this.ttlMs });
    return name;
  }
}
