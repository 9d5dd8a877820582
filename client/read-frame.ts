/**
 * Reads a server frame: decoded by its wire (JSON or MessagePack), an
 * object, a known `type`, and the fields the SDK relies on present with the
 * right types.
 *
 * The server is trusted to follow the protocol, so this is a shape check,
 * not a validator: it keeps a malformed frame from corrupting the SDK's state
 * and reports it. A frame of a `type` this SDK does not know is skipped
 * (`undefined`): a newer server may add frames.
 */
import type { IncomingMessage, ServerFrame } from './frames.ts';
import { type Decoded, jsonWire } from './wire.ts';

export type ReadResult =
  | { readonly ok: true; readonly frame: ServerFrame | undefined }
  | { readonly ok: false; readonly reason: string };

type Obj = { readonly [field: string]: unknown };

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStrings = (v: unknown): boolean => Array.isArray(v) && v.every(isString);

export function isIncomingMessage(f: unknown): f is IncomingMessage {
  return (
    isObject(f) &&
    f.type === 'message' &&
    isString(f.id) &&
    isString(f.from) &&
    isNumber(f.seq) &&
    isNumber(f.ts) &&
    isObject(f.content) &&
    isString(f.to) !== isString(f.group)
  );
}

function isConversationItem(i: unknown): boolean {
  return (
    isObject(i) &&
    (isString(i.with) ? i.group === undefined : isString(i.group) && isString(i.name)) &&
    isIncomingMessage(i.last) &&
    isNumber(i.unread) &&
    isNumber(i.readUpTo)
  );
}

/** Whether `f` has the fields its `type` needs; undefined for an unknown type. */
function wellFormed(f: Obj): boolean | undefined {
  switch (f.type) {
    case 'welcome':
      return isString(f.user) && isString(f.device) && isNumber(f.ts);
    case 'ack':
      return (
        isString(f.id) &&
        isNumber(f.ts) &&
        (f.status === 'sent' ||
          ((f.status === 'delivered' || f.status === 'read') && isString(f.by)))
      );
    case 'message':
      return isIncomingMessage(f);
    case 'typing':
      return isString(f.from) && (f.status === 'started' || f.status === 'stopped');
    case 'presence':
      return (
        isString(f.user) &&
        typeof f.online === 'boolean' &&
        (f.lastSeen === null || isNumber(f.lastSeen))
      );
    case 'history':
      return (
        isString(f.with) !== isString(f.group) &&
        Array.isArray(f.messages) &&
        f.messages.every(isIncomingMessage) &&
        (f.next === null || isString(f.next))
      );
    case 'group':
      return isString(f.id) && isString(f.name) && isStrings(f.members) && isStrings(f.admins);
    case 'error':
      return isString(f.code) && isString(f.message);
    case 'pong':
      return isNumber(f.ts);
    case 'conversations':
      return (
        Array.isArray(f.items) &&
        f.items.every(isConversationItem) &&
        (f.next === null || isString(f.next))
      );
    case 'read':
      return isString(f.with) !== isString(f.group) && isNumber(f.upTo) && isNumber(f.ts);
    default:
      return undefined;
  }
}

/** Reads a frame of the JSON wire (a text frame's string). */
export function readServerFrame(data: unknown): ReadResult {
  return readDecoded(jsonWire.decode(data));
}

/** Checks a frame its wire has decoded (`wire.ts`). */
export function readDecoded(decoded: Decoded): ReadResult {
  if (!decoded.ok) return decoded;
  const { value, shown } = decoded;
  if (!isObject(value) || !isString(value.type))
    return { ok: false, reason: `not an object with a type: ${shown}` };
  const verdict = wellFormed(value);
  if (verdict === undefined) return { ok: true, frame: undefined };
  if (!verdict) return { ok: false, reason: `malformed ${value.type} frame: ${shown}` };
  return { ok: true, frame: value as unknown as ServerFrame };
}
