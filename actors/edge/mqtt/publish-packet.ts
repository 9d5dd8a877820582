/**
 * MQTT 3.1.1 PUBLISH packets the server writes to a client (section 3.3 of
 * the standard): QoS 1, not retained, not a duplicate, the topic given as
 * its UTF-8 bytes, the payload a frame's JSON text. Encoded here in one
 * buffer per packet so a frame leaves in one write, synchronously (the edge
 * checks the socket's buffered bytes right after each write).
 */
import { Buffer } from 'node:buffer';

/** Fixed header byte 1: type 3 (PUBLISH), flags DUP 0, QoS 1, RETAIN 0. */
const PUBLISH_QOS1 = 0x32;
/** The largest remaining length MQTT can carry (4 bytes of 7 bits). */
const REMAINING_LENGTH_MAX = 268_435_455;

/** A QoS 1 PUBLISH of `payload` (JSON text) on `topic` (UTF-8 bytes) with `messageId` (1..65535). */
export function encodePublish(topic: Buffer, messageId: number, payload: string): Buffer {
  const payloadBytes = Buffer.byteLength(payload, 'utf8');
  const remaining = 2 + topic.length + 2 + payloadBytes;
  if (remaining > REMAINING_LENGTH_MAX)
    throw new RangeError(`an MQTT packet holds at most ${REMAINING_LENGTH_MAX} bytes`);
  const lengthBytes = remaining < 128 ? 1 : remaining < 16_384 ? 2 : remaining < 2_097_152 ? 3 : 4;
  const out = Buffer.allocUnsafe(1 + lengthBytes + remaining);
  let at = 0;
  out[at++] = PUBLISH_QOS1;
  let length = remaining;
  do {
    let byte = length % 128;
    length = Math.floor(length / 128);
    if (length > 0) byte |= 0x80;
    out[at++] = byte;
  } while (length > 0);
  out.writeUInt16BE(topic.length, at);
  at += 2;
  topic.copy(out, at);
  at += topic.length;
  out.writeUInt16BE(messageId, at);
  at += 2;
  out.write(payload, at, payloadBytes, 'utf8');
  return out;
}
