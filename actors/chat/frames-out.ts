/**
 * Server frames built from stored entries, encoded once as JSON text: a
 * message pushed to three devices is stringified once.
 */
import type {
  GroupLogEntry,
  InboxEntry,
  ReceiptEntry,
  Content as StoredContent,
} from '../../store/index.ts';
import type {
  Content,
  ErrorFrameCode,
  ServerFrame,
  ServerMessageFrame,
} from '../protocol/index.ts';

/** Content is validated at the edge (`decodeClientFrame`); the store keeps it as opaque JSON. */
export const toStored = (c: Content): StoredContent => c as unknown as StoredContent;
export const fromStored = (c: StoredContent): Content => c as unknown as Content;

export function messageFrame(e: InboxEntry): ServerMessageFrame {
  const base = {
    type: 'message',
    id: e.id,
    from: e.from,
    seq: e.seq,
    ts: e.ts,
    content: fromStored(e.content),
  } as const;
  if (e.group !== undefined) {
    return {
      ...base,
      group: e.group,
      ...(e.gseq !== undefined ? { gseq: e.gseq } : {}),
    };
  }
  return { ...base, to: e.to ?? e.user };
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
    content: fromStored(e.content),
  };
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
