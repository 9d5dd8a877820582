/**
 * Group references in inboxes (contract: "Group messages by reference" in
 * `contract.ts`): the entry shape every store keeps, and how a read turns a
 * kept entry back into an `InboxEntry`, taking a reference's content from
 * the group log. Pure: each store supplies `ContentOf`, its lookup of live
 * group log contents.
 *
 * Invariant: a kept entry without `content` is a reference (`validate.ts`
 * lets no other record omit it), so `group` and `gseq` are set.
 */
import {
  type Content,
  EXPIRED_CONTENT,
  type GroupRefRecord,
  type InboxEntry,
  type InboxRecord,
} from './contract.ts';

/** An inbox entry as a store keeps it: a full entry or a reference. */
export type StoredEntry = (InboxRecord | GroupRefRecord) & {
  readonly user: string;
  readonly seq: number;
};

export type GroupRefEntry = GroupRefRecord & { readonly user: string; readonly seq: number };

/** The content of live group log entry (`group`, `gseq`); undefined when it is gone. */
export type ContentOf = (group: string, gseq: number) => Content | undefined;

export function isGroupRef(entry: StoredEntry): entry is GroupRefEntry {
  return entry.content === undefined;
}

/** `entry` with its content: as kept, or from the group log; undefined for a reference whose log entry is gone. */
export function resolveEntry(entry: StoredEntry, contentOf: ContentOf): InboxEntry | undefined {
  if (!isGroupRef(entry)) return entry;
  const content = contentOf(entry.group, entry.gseq);
  return content === undefined ? undefined : { ...entry, content };
}

/** A chat summary's `last`: resolved, or with `EXPIRED_CONTENT` when its log entry is gone. */
export function resolveLast(entry: StoredEntry, contentOf: ContentOf): InboxEntry {
  return resolveEntry(entry, contentOf) ?? { ...entry, content: { ...EXPIRED_CONTENT } };
}

/** The gseqs that `entries` reference, per group (each once): what a store must look up. */
export function referencedGseqs(entries: Iterable<StoredEntry>): Map<string, number[]> {
  const out = new Map<string, Set<number>>();
  for (const e of entries) {
    if (!isGroupRef(e)) continue;
    let gseqs = out.get(e.group);
    if (gseqs === undefined) out.set(e.group, (gseqs = new Set()));
    gseqs.add(e.gseq);
  }
  return new Map([...out].map(([group, gseqs]) => [group, [...gseqs]]));
}
