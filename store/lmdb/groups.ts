/**
 * Groups: metadata with a compare-and-set on `version`, and the group log
 * (fenced by the epoch of `group:<id>`, gapless `gseq` from 1, idempotent on
 * key, expiring with the group log TTL).
 *
 * saveGroup: one conditional put on the group's entry version (which equals
 * `meta.version`): expectedVersion 0 creates only if absent (`already_exists`
 * otherwise); any other value updates only if the stored version is exactly
 * that (`fenced` otherwise, also when the group does not exist). The group
 * log works like the inbox (`inbox.ts`): one decision on committed state,
 * one conditional block with the new head and the group's wake mark.
 */
import { quote } from '../../runtime/index.ts';
import type {
  AppendResult,
  Content,
  GroupLogEntry,
  GroupLogRecord,
  GroupMeta,
} from '../contract.ts';
import { groupExists, staleEpoch, versionConflict } from '../errors.ts';
import {
  checkEpoch,
  checkGroupLogRecords,
  checkGroupSave,
  checkId,
  checkInt,
  checkLimit,
} from '../validate.ts';
import { type Ctx, written } from './context.ts';
import { stamped } from './row-bytes.ts';
import { END, groupEntryKey, groupKeyIndexKey, live, Tag } from './schema.ts';

export function getGroup(ctx: Ctx, id: string): GroupMeta | undefined {
  checkId('id', id);
  return ctx.dbs.groups.get(id);
}

export async function saveGroup(
  ctx: Ctx,
  meta: Omit<GroupMeta, 'version'>,
  expectedVersion: number,
): Promise<GroupMeta> {
  const saved = checkGroupSave(meta, expectedVersion);
  const { id } = saved;
  const what = `saveGroup(${quote(id)}, ${expectedVersion})`;
  const { groups } = ctx.dbs;
  const applied = await written(
    what,
    expectedVersion === 0
      ? groups.ifNoExists(id, () => void groups.put(id, saved, saved.version))
      : groups.put(id, saved, saved.version, expectedVersion),
  );
  if (applied) return saved;
  // Versions only grow, so what is stored now is what refused us (or later).
  const stored = groups.get(id)?.version ?? 0;
  throw expectedVersion === 0
    ? groupExists(id, stored)
    : versionConflict(id, expectedVersion, stored);
}

function toEntry(group: string, gseq: number, r: GroupLogRecord): GroupLogEntry {
  const entry: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) if (v !== undefined) entry[k] = v;
  entry.group = group;
  entry.gseq = gseq;
  return entry as unknown as GroupLogEntry;
}

/** The content of live log entry `gseq` of `group`: what an inbox reference reads (one get). */
export function logContent(
  ctx: Ctx,
  group: string,
  gseq: number,
  nowMs: number,
): Content | undefined {
  const row = ctx.dbs.glog.get(groupEntryKey(group, gseq));
  return live<GroupLogEntry>(row, ctx.retention.groupLogTtlMs, nowMs)?.content;
}

function liveGseqOf(ctx: Ctx, group: string, key: string, nowMs: number): number | undefined {
  const { glog } = ctx.dbs;
  const gseq = glog.get(groupKeyIndexKey(group, key)) as number | undefined;
  if (gseq === undefined) return undefined;
  const row = glog.get(groupEntryKey(group, gseq));
  return live(row, ctx.retention.groupLogTtlMs, nowMs) === undefined ? undefined : gseq;
}

export function appendGroupLog(
  ctx: Ctx,
  group: string,
  epoch: number,
  records: readonly GroupLogRecord[],
): AppendResult[] | Promise<AppendResult[]> {
  checkId('group', group);
  checkEpoch(epoch);
  const list = checkGroupLogRecords(records);
  if (list.length === 0) return [];
  const owner = `group:${group}`;
  const { owners, dbs, clock } = ctx;
  return owners.decide<AppendResult[]>('appendGroupLog', owner, (seen) => {
    if (seen.state.e !== epoch) throw staleEpoch(owner, epoch, seen.state.e);
    const now = clock.now();
    const results: AppendResult[] = [];
    const fresh: { record: GroupLogRecord; gseq: number }[] = [];
    const inCall = new Map<string, number>();
    let head = seen.state.g;
    for (const record of list) {
      const prior = inCall.get(record.key) ?? liveGseqOf(ctx, group, record.key, now);
      if (prior !== undefined) {
        results.push({ seq: prior, duplicate: true });
        continue;
      }
      head += 1;
      inCall.set(record.key, head);
      fresh.push({ record, gseq: head });
      results.push({ seq: head, duplicate: false });
    }
    if (fresh.length === 0) return { done: results };
    // Encode before the conditional block, so nothing in it can throw half-way.
    const rows = fresh.map(({ record, gseq }) => stamped(toEntry(group, gseq, record), now));
    return {
      result: results,
      next: { ...seen.state, g: head },
      rows: () => {
        for (const [i, { record, gseq }] of fresh.entries()) {
          void dbs.glog.put(groupEntryKey(group, gseq), rows[i]);
          void dbs.glog.put(groupKeyIndexKey(group, record.key), gseq);
        }
        void dbs.wake.put(owner, true);
      },
    };
  });
}

export function readGroupLog(
  ctx: Ctx,
  group: string,
  afterGseq: number,
  limit: number,
): GroupLogEntry[] {
  checkId('group', group);
  checkInt('afterGseq', afterGseq, 0);
  const max = checkLimit(limit);
  const now = ctx.clock.now();
  const out: GroupLogEntry[] = [];
  for (const { value } of ctx.dbs.glog.getRange({
    start: groupEntryKey(group, afterGseq + 1),
    end: [group, Tag.Entry, END],
  })) {
    const entry = live<GroupLogEntry>(value, ctx.retention.groupLogTtlMs, now);
    if (entry === undefined) continue;
    out.push(entry);
    if (out.length >= max) break;
  }
  return out;
}

export function groupHistory(
  ctx: Ctx,
  group: string,
  beforeGseq: number | null,
  limit: number,
): { entries: GroupLogEntry[]; nextBeforeSeq: number | null } {
  checkId('group', group);
  if (beforeGseq !== null) checkInt('beforeGseq', beforeGseq, 0);
  const max = checkLimit(limit);
  const now = ctx.clock.now();
  const newest: GroupLogEntry[] = [];
  // One entry more than asked tells whether an older page exists.
  for (const { value } of ctx.dbs.glog.getRange({
    start: beforeGseq === null ? [group, Tag.Entry, END] : groupEntryKey(group, beforeGseq),
    end: [group, Tag.Entry],
    reverse: true,
  })) {
    const entry = live<GroupLogEntry>(value, ctx.retention.groupLogTtlMs, now);
    if (entry === undefined || (beforeGseq !== null && entry.gseq >= beforeGseq)) continue;
    newest.push(entry);
    if (newest.length > max) break;
  }
  const more = newest.length > max;
  const entries = newest.slice(0, max).reverse();
  return { entries, nextBeforeSeq: more ? (entries[0]?.gseq ?? null) : null };
}
