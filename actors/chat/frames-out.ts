/**
 * Server frames built from stored entries, encoded once as JSON text: a
 * message pushed to three devices is stringified once.
 */
import type { GroupLogEntry, InboxEntry, ReceiptEntry } from '../../store/index.ts';
import type { ErrorFrameCode, ServerFrame, ServerMessageFrame } from '../protocol/index.ts';

export function messageFrame(e: InboxEntry): ServerMessageFrame {
  const base = {
    type: 'message',
    id: e.id,
    from: e.from,
    seq: e.seq,
    ts: e.ts,
    content: e.content,
  } as const;
  if (e.group !== undefined) {
    return {
      ...base,
      group: e.group,
      ...(e.gseq !== undefined ? { gseq: e.gseq } : {}),
    } as ServerMessageFrame;
  }
  return { ...base, to: e.to ?? e.user } as ServerMessageFrame;
}

/** In a group's history, `seq` is the group's own order (docs/protocol.md). */
export function groupHistoryFrame(e: GroupLogEntry): ServerMessageFrame {
  return {
    type: 'message',
    id: e.id,
    from: e.from,
    group: e.group,
    seq: e.gseq,
    gseq: e.gseq,
    ts: e.ts,
    content: e.content,
  } as ServerMessageFrame;
}

export function receiptFrame(r: ReceiptEntry): ServerFrame {
  return {
    type: 'ack',
    id: r.id,
    status: r.status,
    by: r.by,
    ts: r.ts,
    ...(r.group !== undefined ? { group: r.group } : {}),
  };
}

export function errorJson(
  code: ErrorFrameCode,
  message: string,
  extra: { id?: string; ref?: string } = {},
): string {
  return JSON.stringify({
    type: 'error',
    code,
    message,
    ...(extra.ref !== undefined ? { ref: extra.ref } : {}),
    ...(extra.id !== undefined ? { id: extra.id } : {}),
  });
}

export function json(frame: ServerFrame): string {
  return JSON.stringify(frame);
}
