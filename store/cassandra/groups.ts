/**
 * Groups: metadata in `groups` (compare-and-set on `version`) and the group
 * log in the group's `group_log` partition (fenced, gapless, idempotent
 * appends: see `append.ts`; each writes the group's wake mark first, once per
 * busy period: `wake-marks.ts`).
 *
 * saveGroup: expectedVersion 0 creates (`IF NOT EXISTS`, version 1), else
 * updates `IF version = expected` to expected+1. A mismatch is `already_exists`
 * (create) or `fenced` (update). The saved row carries the attempt's `wid`, so
 * after an unknown outcome a re-read tells whether it was ours; if the version
 * moved on past ours, that cannot be told: `indeterminate`.
 */

import type { types } from 'cassandra-driver';
import { quote } from '../../runtime/index.ts';
import type { AppendResult, GroupLogEntry, GroupLogRecord, GroupMeta } from '../contract.ts';
import { groupExists, indeterminate, versionConflict } from '../errors.ts';
import {
  checkEpoch,
  checkGroupLogRecords,
  checkGroupSave,
  checkId,
  checkInt,
  checkLimit,
} from '../validate.ts';
import { appendFenced } from './append.ts';
import { type CasAttempt, newWid, runCas } from './cas.ts';
import { type Ctx, live, SEQ_MAX } from './context.ts';
import { guard } from './driver-errors.ts';
import { expiryOf } from './expiry.ts';
import { decodeGroupEntry, encodeRecord, Kind, num } from './rows.ts';
import type { WakeMarks } from './wake-marks.ts';

function toMeta(row: types.Row): GroupMeta {
  return {
    id: row.get('gid') as string,
    name: row.get('name') as string,
    members: (row.get('members') as string[] | null) ?? [],
    admins: (row.get('admins') as string[] | null) ?? [],
    createdBy: row.get('created_by') as string,
    createdTs: num(row.get('created_ts')),
    version: num(row.get('version')),
  };
}

export async function getGroup(ctx: Ctx, id: string): Promise<GroupMeta | undefined> {
  checkId('id', id);
  const row = await guard(`getGroup(${quote(id)})`, () => ctx.exec.first(ctx.st.groupMeta, [id]));
  return row ? toMeta(row) : undefined;
}

export async function saveGroup(
  ctx: Ctx,
  meta: Omit<GroupMeta, 'version'>,
  expectedVersion: number,
): Promise<GroupMeta> {
  const saved = checkGroupSave(meta, expectedVersion);
  const { id, members, admins } = saved;
  const { exec, st } = ctx;
  const what = `saveGroup(${quote(id)}, ${expectedVersion})`;
  return ctx.lock.run(`m:${id}`, () =>
    runCas<{ version: number; wid: string | null }, GroupMeta>(
      {
        what,
        async observe(serial) {
          const row = await exec.first(st.groupMeta, [id], serial);
          return {
            version: row ? num(row.get('version')) : 0,
            wid: (row?.get('wid') as string | null) ?? null,
          };
        },
        landed(o, uncertain) {
          return uncertain.find((a) => a.wid === o.wid && o.version === saved.version)?.result;
        },
        decide(o, uncertainCount) {
          if (o.version !== expectedVersion) {
            // Only one save can move the version from expected to expected+1; if that one is not
            // ours (landed() said so), ours never applied. Beyond that, ours may have been overwritten.
            if (uncertainCount > 0 && o.version > saved.version)
              throw indeterminate(
                what,
                `the save may or may not have been applied; the group is now at version ${o.version}`,
              );
            if (expectedVersion === 0) throw groupExists(id, o.version);
            throw versionConflict(id, expectedVersion, o.version);
          }
          const wid = newWid();
          const created = BigInt(saved.createdTs);
          const attempt: CasAttempt<GroupMeta> = {
            wid,
            result: saved,
            write: () =>
              expectedVersion === 0
                ? exec.cas(st.groupCreate, [
                    id,
                    saved.name,
                    members,
                    admins,
                    saved.createdBy,
                    created,
                    wid,
                  ])
                : exec.cas(st.groupUpdate, [
                    saved.name,
                    members,
                    admins,
                    saved.createdBy,
                    created,
                    saved.version,
                    wid,
                    id,
                    expectedVersion,
                  ]),
          };
          return { attempt };
        },
      },
      ctx.clock,
    ),
  );
}

export async function appendGroupLog(
  ctx: Ctx,
  marks: WakeMarks,
  group: string,
  epoch: number,
  records: readonly GroupLogRecord[],
): Promise<AppendResult[]> {
  checkId('group', group);
  checkEpoch(epoch);
  const list = checkGroupLogRecords(records);
  const { st } = ctx;
  return ctx.lock.run(`g:${group}`, async () => {
    if (list.length > 0) await marks.beforeAppend(ctx, `group:${group}`, epoch);
    return appendFenced<GroupLogRecord>(
      ctx,
      {
        what: `appendGroupLog(${quote(group)})`,
        owner: `group:${group}`,
        partition: group,
        stateQuery: st.groupState,
        keysQuery: st.groupKeys,
        headCas: st.groupHeadCas,
        keyOf: (r) => r.key,
        rowsFor(r, seq, wid, now) {
          const e = expiryOf(ctx.retention.groupLogTtlMs, now);
          return [
            {
              query: st.groupRow,
              params: [group, Kind.Entry, '', seq, encodeRecord(r), wid, e.exp, e.ttl],
            },
            { query: st.groupRow, params: [group, Kind.Key, r.key, seq, null, wid, e.exp, e.ttl] },
          ];
        },
      },
      epoch,
      list,
    );
  });
}

export async function readGroupLog(
  ctx: Ctx,
  group: string,
  afterGseq: number,
  limit: number,
): Promise<GroupLogEntry[]> {
  checkId('group', group);
  checkInt('afterGseq', afterGseq, 0);
  const max = checkLimit(limit);
  const rows = await guard(`readGroupLog(${quote(group)})`, () =>
    ctx.exec.rows(ctx.st.groupAfter, [group, BigInt(afterGseq)], { limit: max, keep: live(ctx) }),
  );
  return rows.map((row) => decodeGroupEntry(group, num(row.get('seq')), row.get('body') as string));
}

export async function groupHistory(
  ctx: Ctx,
  group: string,
  beforeGseq: number | null,
  limit: number,
): Promise<{ entries: GroupLogEntry[]; nextBeforeSeq: number | null }> {
  checkId('group', group);
  if (beforeGseq !== null) checkInt('beforeGseq', beforeGseq, 0);
  const max = checkLimit(limit);
  const before = beforeGseq === null ? SEQ_MAX : BigInt(beforeGseq);
  // One row more than asked tells whether an older page exists.
  const rows = await guard(`groupHistory(${quote(group)})`, () =>
    ctx.exec.rows(ctx.st.groupBefore, [group, before], { limit: max + 1, keep: live(ctx) }),
  );
  const entries = rows
    .slice(0, max)
    .map((row) => decodeGroupEntry(group, num(row.get('seq')), row.get('body') as string));
  entries.reverse();
  const oldest = entries[0];
  return { entries, nextBeforeSeq: rows.length > max && oldest ? oldest.gseq : null };
}
