/**
 * The wire layout of one NATS message between two nodes' transports: a small
 * binary header naming the sending node, its incarnation and the link
 * position, then the runtime's frames, each length-prefixed (several frames
 * to one node coalesce into one message).
 *
 *   DATA: u8 kind=1 | u8 nodeLen | node (utf-8) | u32 creation | u32 epoch | f64 seq | (u32 len | frame)*
 *   BYE:  u8 kind=2 | u8 nodeLen | node (utf-8) | u32 creation
 *   RESET: u8 kind=3 | u8 nodeLen | node (utf-8) | u32 creation | u32 epoch | f64 seq
 *          | u32 peerCreation | u32 brokenEpoch
 *
 * `seq` numbers the DATA messages of one (sender node, creation, epoch,
 * receiver) link from 1 without gaps; `epoch` changes when the sender broke
 * all its links (a NATS disconnect) or was told one link broke. BYE says
 * the sender is leaving. RESET says the sender saw the receiver's link
 * towards it, in (peerCreation, brokenEpoch), broken; it takes a seq of the
 * sender's own link like a DATA message (so its loss is a gap too) and
 * carries no frames.
 * Decoding validates lengths and throws on a malformed message; frames are
 * views into the message, not copies.
 */
import { ErrorCode, ParleyError, quote } from '../runtime/index.ts';

export const KIND_DATA = 1;
export const KIND_BYE = 2;
export const KIND_RESET = 3;

/** Bytes a DATA message spends besides its frames, for a sender named by `nodeBytes`. */
export function dataOverhead(nodeBytes: number): number {
  return 1 + 1 + nodeBytes + 4 + 4 + 8;
}

/** Bytes each frame adds besides its own (its length prefix). */
export const FRAME_PREFIX_BYTES = 4;

export interface LinkHeader {
  readonly node: Uint8Array;
  readonly creation: number;
  readonly epoch: number;
}

export function encodeData(
  header: LinkHeader,
  seq: number,
  frames: readonly Uint8Array[],
  frameBytes: number,
): Uint8Array {
  const head = dataOverhead(header.node.length);
  const out = new Uint8Array(head + frames.length * FRAME_PREFIX_BYTES + frameBytes);
  const view = new DataView(out.buffer);
  out[0] = KIND_DATA;
  out[1] = header.node.length;
  out.set(header.node, 2);
  let at = 2 + header.node.length;
  view.setUint32(at, header.creation);
  view.setUint32(at + 4, header.epoch);
  view.setFloat64(at + 8, seq);
  at += 16;
  for (const f of frames) {
    view.setUint32(at, f.length);
    out.set(f, at + 4);
    at += 4 + f.length;
  }
  return out;
}

export function encodeBye(node: Uint8Array, creation: number): Uint8Array {
  const out = new Uint8Array(2 + node.length + 4);
  out[0] = KIND_BYE;
  out[1] = node.length;
  out.set(node, 2);
  new DataView(out.buffer).setUint32(2 + node.length, creation);
  return out;
}

/** What a RESET names: the receiver's link towards its sender that the sender saw broken. */
export interface BrokenLink {
  readonly peerCreation: number;
  readonly brokenEpoch: number;
}

export function encodeReset(header: LinkHeader, seq: number, broken: BrokenLink): Uint8Array {
  const at = dataOverhead(header.node.length);
  const out = new Uint8Array(at + 8);
  out.set(encodeData(header, seq, [], 0));
  out[0] = KIND_RESET;
  const view = new DataView(out.buffer);
  view.setUint32(at, broken.peerCreation);
  view.setUint32(at + 4, broken.brokenEpoch);
  return out;
}

export type Decoded =
  | {
      readonly kind: typeof KIND_DATA;
      readonly from: string;
      readonly creation: number;
      readonly epoch: number;
      readonly seq: number;
      readonly frames: Uint8Array[];
    }
  | { readonly kind: typeof KIND_BYE; readonly from: string; readonly creation: number }
  | ({
      readonly kind: typeof KIND_RESET;
      readonly from: string;
      readonly creation: number;
      readonly epoch: number;
      readonly seq: number;
    } & BrokenLink);

const utf8 = new TextDecoder('utf-8', { fatal: true });

function malformed(why: string, bytes: number): ParleyError {
  return new ParleyError(
    ErrorCode.InvalidArgument,
    `malformed link message of ${bytes} bytes: ${why}`,
  );
}

export function decodeMessage(data: Uint8Array): Decoded {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (data.length < 2) throw malformed('shorter than its header', data.length);
  const kind = data[0];
  const nodeLen = data[1]!;
  const afterNode = 2 + nodeLen;
  if (kind !== KIND_DATA && kind !== KIND_BYE && kind !== KIND_RESET)
    throw malformed(`unknown kind ${quote(kind)}`, data.length);
  const need =
    kind === KIND_DATA ? afterNode + 16 : kind === KIND_BYE ? afterNode + 4 : afterNode + 24;
  if (data.length < need) throw malformed('shorter than its header', data.length);
  const from = utf8.decode(data.subarray(2, afterNode));
  const creation = view.getUint32(afterNode);
  if (kind === KIND_BYE) return { kind, from, creation };
  const epoch = view.getUint32(afterNode + 4);
  const seq = view.getFloat64(afterNode + 8);
  if (kind === KIND_RESET) {
    if (data.length !== need) throw malformed('a RESET of the wrong length', data.length);
    const peerCreation = view.getUint32(afterNode + 16);
    const brokenEpoch = view.getUint32(afterNode + 20);
    return { kind, from, creation, epoch, seq, peerCreation, brokenEpoch };
  }
  const frames: Uint8Array[] = [];
  let at = afterNode + 16;
  while (at < data.length) {
    if (at + 4 > data.length) throw malformed('a cut frame length', data.length);
    const len = view.getUint32(at);
    if (at + 4 + len > data.length)
      throw malformed(`a frame of ${len} bytes past the end`, data.length);
    frames.push(data.subarray(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return { kind, from, creation, epoch, seq, frames };
}
