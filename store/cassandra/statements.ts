/**
 * Every CQL statement of the store, for one keyspace. All are run prepared
 * (the driver prepares each text once per connection pool and caches it).
 * Reads that may skip expired rows (`exp`, see `expiry.ts`) carry no LIMIT:
 * the executor pages until it has kept enough rows.
 *
 * Invariant: rows of `user_log` and `group_log` are written only through
 * lightweight transactions (conditional batches, `IF EXISTS` deletes). Paxos
 * orders LWT writes by ballot; a plain write mixed in could be ordered by a
 * skewed client clock instead and lose to an older LWT write.
 */
import { Kind } from './rows.ts';

export function statements(ks: string) {
  const u = `${ks}.user_log`;
  const g = `${ks}.group_log`;
  return {
    // ---- user partition: state, fencing -------------------------------------
    userState: `SELECT epoch, head, rhead FROM ${u} WHERE uid = ? LIMIT 1`,
    userEpochInit: `UPDATE ${u} SET epoch = ?, head = 0, rhead = 0 WHERE uid = ? IF epoch = null`,
    userEpochBump: `UPDATE ${u} SET epoch = ? WHERE uid = ? IF epoch = ?`,
    /** Any row of the user partition; TTL 0 = none. */
    userRow: `INSERT INTO ${u} (uid, kind, tag, seq, sub, body, wid, exp) VALUES (?, ?, ?, ?, ?, ?, ?, ?) USING TTL ?`,

    // ---- inbox ---------------------------------------------------------------
    inboxHeadCas: `UPDATE ${u} SET head = ? WHERE uid = ? IF epoch = ? AND head = ?`,
    inboxKeys: `SELECT tag, seq, wid, exp FROM ${u} WHERE uid = ? AND kind = ${Kind.Key} AND tag IN ?`,
    inboxAfter: `SELECT seq, body, exp FROM ${u} WHERE uid = ? AND kind = ${Kind.Entry} AND tag = '' AND seq > ?`,
    inboxAt: `SELECT seq, body, exp FROM ${u} WHERE uid = ? AND kind = ${Kind.Entry} AND tag = '' AND seq IN ?`,
    history: `SELECT seq, body, exp FROM ${u} WHERE uid = ? AND kind = ${Kind.History} AND tag = ? AND seq < ?
      ORDER BY kind DESC, tag DESC, seq DESC, sub DESC`,
    pending: `SELECT seq, sub, exp FROM ${u} WHERE uid = ? AND kind = ${Kind.Pending} AND tag = ''`,
    pendingClear: `DELETE FROM ${u} WHERE uid = ? AND kind = ${Kind.Pending} AND tag = '' AND seq = ? AND sub = ? IF EXISTS`,

    // ---- chat list (chats.ts) ---------------------------------------------------
    chatRows: `SELECT tag, body, wid FROM ${u} WHERE uid = ? AND kind = ${Kind.Chat} AND tag IN ?`,
    chatRow: `SELECT body, wid FROM ${u} WHERE uid = ? AND kind = ${Kind.Chat} AND tag = ? AND seq = 0 AND sub = ''`,
    activityBefore: `SELECT sub, body FROM ${u} WHERE uid = ? AND kind = ${Kind.Activity} AND tag = '' AND seq < ?
      ORDER BY kind DESC, tag DESC, seq DESC, sub DESC`,
    activityDrop: `DELETE FROM ${u} WHERE uid = ? AND kind = ${Kind.Activity} AND tag = '' AND seq = ? AND sub = ?`,
    historyAfter: `SELECT seq, body, exp FROM ${u} WHERE uid = ? AND kind = ${Kind.History} AND tag = ? AND seq > ?`,

    // ---- receipts --------------------------------------------------------------
    receiptHeadCas: `UPDATE ${u} SET rhead = ? WHERE uid = ? IF epoch = ? AND rhead = ?`,
    receiptStatuses: `SELECT tag, sub, body, exp FROM ${u} WHERE uid = ? AND kind = ${Kind.ReceiptStatus} AND tag IN ?`,
    receiptStatus: `SELECT body, exp FROM ${u} WHERE uid = ? AND kind = ${Kind.ReceiptStatus} AND tag = ? AND seq = 0 AND sub = ?`,
    receiptLogAt: `SELECT wid FROM ${u} WHERE uid = ? AND kind = ${Kind.ReceiptLog} AND tag = '' AND seq = ?`,
    receiptsAfter: `SELECT seq, body, exp FROM ${u} WHERE uid = ? AND kind = ${Kind.ReceiptLog} AND tag = '' AND seq > ?`,

    // ---- group log -------------------------------------------------------------
    groupState: `SELECT epoch, head FROM ${g} WHERE gid = ? LIMIT 1`,
    groupEpochInit: `UPDATE ${g} SET epoch = ?, head = 0 WHERE gid = ? IF epoch = null`,
    groupEpochBump: `UPDATE ${g} SET epoch = ? WHERE gid = ? IF epoch = ?`,
    groupHeadCas: `UPDATE ${g} SET head = ? WHERE gid = ? IF epoch = ? AND head = ?`,
    groupRow: `INSERT INTO ${g} (gid, kind, tag, seq, body, wid, exp) VALUES (?, ?, ?, ?, ?, ?, ?) USING TTL ?`,
    groupKeys: `SELECT tag, seq, wid, exp FROM ${g} WHERE gid = ? AND kind = ${Kind.Key} AND tag IN ?`,
    groupAfter: `SELECT seq, body, exp FROM ${g} WHERE gid = ? AND kind = ${Kind.Entry} AND tag = '' AND seq > ?`,
    /** The entries of an inbox's group references (`group-refs.ts`). */
    groupAt: `SELECT seq, body, exp FROM ${g} WHERE gid = ? AND kind = ${Kind.Entry} AND tag = '' AND seq IN ?`,
    groupBefore: `SELECT seq, body, exp FROM ${g} WHERE gid = ? AND kind = ${Kind.Entry} AND tag = '' AND seq < ?
      ORDER BY kind DESC, tag DESC, seq DESC`,

    // ---- group metadata ----------------------------------------------------------
    groupMeta: `SELECT gid, name, members, admins, created_by, created_ts, version, wid FROM ${ks}.groups WHERE gid = ?`,
    groupCreate: `INSERT INTO ${ks}.groups (gid, name, members, admins, created_by, created_ts, version, wid)
      VALUES (?, ?, ?, ?, ?, ?, 1, ?) IF NOT EXISTS`,
    groupUpdate: `UPDATE ${ks}.groups SET name = ?, members = ?, admins = ?, created_by = ?, created_ts = ?,
      version = ?, wid = ? WHERE gid = ? IF version = ?`,

    // ---- other owners' epochs ------------------------------------------------------
    ownerEpoch: `SELECT epoch FROM ${ks}.epochs WHERE owner = ?`,
    ownerEpochInit: `INSERT INTO ${ks}.epochs (owner, epoch) VALUES (?, ?) IF NOT EXISTS`,
    ownerEpochBump: `UPDATE ${ks}.epochs SET epoch = ? WHERE owner = ? IF epoch = ?`,

    // ---- cursors, media ------------------------------------------------------------
    /** Cell timestamp = seq: the highest seq wins, whatever the order of arrival. */
    cursorAdvance: `UPDATE ${ks}.cursors USING TIMESTAMP ? SET seq = ? WHERE uid = ? AND device = ?`,
    cursor: `SELECT seq FROM ${ks}.cursors WHERE uid = ? AND device = ?`,
    cursorsOf: `SELECT device, seq FROM ${ks}.cursors WHERE uid = ?`,
    mediaPut: `INSERT INTO ${ks}.media (id, owner, mime, size, ts) VALUES (?, ?, ?, ?, ?)`,
    mediaGet: `SELECT id, owner, mime, size, ts FROM ${ks}.media WHERE id = ?`,

    // ---- push subscriptions (plain writes, idempotent) ------------------------------
    pushPut: `INSERT INTO ${ks}.push_subscriptions (uid, id, body) VALUES (?, ?, ?)`,
    pushList: `SELECT body FROM ${ks}.push_subscriptions WHERE uid = ?`,
    pushDelete: `DELETE FROM ${ks}.push_subscriptions WHERE uid = ? AND id = ?`,

    // ---- wake list (plain writes: the table is never written by an LWT) -----------
    wakeMark: `INSERT INTO ${ks}.wake (bucket, owner) VALUES (?, ?)`,
    wakeClear: `DELETE FROM ${ks}.wake WHERE bucket = ? AND owner = ?`,
    wakeAfter: `SELECT owner FROM ${ks}.wake WHERE bucket = ? AND owner > ?`,
  } as const;
}

export type Statements = ReturnType<typeof statements>;
