/**
 * Reads of inbox entries that are group references (contract: "Group
 * messages by reference"): their content comes from the group's
 * `group_log` partition, one `IN` read per group (per 100 gseqs) for all
 * the references of one read, run in parallel. Expired log rows (`exp`)
 * are not found, so their references read as expired.
 */
import type { Content, InboxEntry } from '../contract.ts';
import { type ContentOf, referencedGseqs, resolveEntry, type StoredEntry } from '../group-ref.ts';
import { type Ctx, live } from './context.ts';
import { decodeGroupEntry, num } from './rows.ts';

/** Gseqs per `IN` read. */
const IN_CHUNK = 100;

/** The live log contents that `entries` reference. */
export async function logContents(ctx: Ctx, entries: readonly StoredEntry[]): Promise<ContentOf> {
  const wanted = referencedGseqs(entries);
  const found = new Map<string, Map<number, Content>>();
  if (wanted.size === 0) return () => undefined;
  const reads: Promise<void>[] = [];
  for (const [group, gseqs] of wanted) {
    const contents = new Map<number, Content>();
    found.set(group, contents);
    for (let i = 0; i < gseqs.length; i += IN_CHUNK) {
      const chunk = gseqs.slice(i, i + IN_CHUNK);
      reads.push(
        ctx.exec
          .rows(ctx.st.groupAt, [group, chunk.map((g) => BigInt(g))], {
            limit: chunk.length,
            keep: live(ctx),
          })
          .then((rows) => {
            for (const row of rows) {
              const gseq = num(row.get('seq'));
              contents.set(gseq, decodeGroupEntry(group, gseq, row.get('body') as string).content);
            }
          }),
      );
    }
  }
  await Promise.all(reads);
  return (group, gseq) => found.get(group)?.get(gseq);
}

/** `entries` as reads return them, in order; undefined for a reference whose log entry is gone. */
export async function resolveEntries(
  ctx: Ctx,
  entries: readonly StoredEntry[],
): Promise<(InboxEntry | undefined)[]> {
  const contentOf = await logContents(ctx, entries);
  return entries.map((e) => resolveEntry(e, contentOf));
}
