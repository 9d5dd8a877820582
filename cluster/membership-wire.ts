/**
 * The membership wire format: msgpack maps (never records, so any msgpack
 * reader can read them), versioned by `v`.
 *
 * `{v: 1, type: 'heartbeat', join, member}` and `{v: 1, type: 'leave', node,
 * creation}`. `decodeWire` validates every field at the boundary and throws
 * `invalid_argument` naming the bad part and quoting its value; deeper code
 * trusts the result.
 */
import { Packr } from 'msgpackr';
import { ErrorCode, ParleyError, quote } from '../runtime/index.ts';
import { type MemberInfo, MemberStatus } from './membership-core.ts';

export type WireMessage =
  | {
      readonly v: 1;
      readonly type: 'heartbeat';
      readonly join: boolean;
      readonly member: MemberInfo;
    }
  | { readonly v: 1; readonly type: 'leave'; readonly node: string; readonly creation: number };

const packr = new Packr({ useRecords: false });
const NODE_NAME_MAX = 255;
const STATUSES = new Set<string>(Object.values(MemberStatus));

export function encodeWire(msg: WireMessage): Uint8Array {
  return packr.pack(msg);
}

function bad(what: string, value: unknown): ParleyError {
  return new ParleyError(
    ErrorCode.InvalidArgument,
    `membership message ${what}, got ${quote(value)}`,
  );
}

export function isNodeName(x: unknown): x is string {
  return typeof x === 'string' && x.length > 0 && x.length <= NODE_NAME_MAX;
}

export function isCreation(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0;
}

function optionalString(x: unknown): boolean {
  return x === undefined || (typeof x === 'string' && x.length <= 1024);
}

/** Decodes and validates one message; throws `invalid_argument` naming the bad part. */
export function decodeWire(bytes: Uint8Array): WireMessage {
  let raw: unknown;
  try {
    raw = packr.unpack(bytes);
  } catch (err) {
    throw new ParleyError(ErrorCode.InvalidArgument, 'membership message is not msgpack', {
      cause: err,
    });
  }
  if (typeof raw !== 'object' || raw === null) throw bad('must be a map', raw);
  const m = raw as Record<string, unknown>;
  if (m.v !== 1) throw bad('version must be 1', m.v);
  if (m.type === 'leave') {
    if (!isNodeName(m.node)) throw bad('node must be a name of 1..255 characters', m.node);
    if (!isCreation(m.creation)) throw bad('creation must be an integer >= 0', m.creation);
    return { v: 1, type: 'leave', node: m.node, creation: m.creation };
  }
  if (m.type !== 'heartbeat') throw bad('type must be "heartbeat" or "leave"', m.type);
  const p = m.member as Record<string, unknown> | undefined;
  if (typeof p !== 'object' || p === null) throw bad('member must be a map', p);
  if (!isNodeName(p.node)) throw bad('node must be a name of 1..255 characters', p.node);
  if (!isCreation(p.creation)) throw bad('creation must be an integer >= 0', p.creation);
  if (typeof p.status !== 'string' || !STATUSES.has(p.status))
    throw bad('status unknown', p.status);
  if (!Number.isFinite(p.startedAt)) throw bad('startedAt must be a number', p.startedAt);
  for (const k of ['http', 'ws', 'admin'] as const) {
    if (!optionalString(p[k])) throw bad(`${k} must be a string`, p[k]);
  }
  const member: MemberInfo = {
    node: p.node,
    creation: p.creation,
    status: p.status as MemberStatus,
    startedAt: p.startedAt as number,
    ...(p.http !== undefined && { http: p.http as string }),
    ...(p.ws !== undefined && { ws: p.ws as string }),
    ...(p.admin !== undefined && { admin: p.admin as string }),
  };
  return { v: 1, type: 'heartbeat', join: m.join === true, member };
}
