/**
 * What the edge writes to its client: frames already encoded (pushes, replay
 * batches) and the `error` frames it makes itself.
 *
 * Every write is followed by the slow-consumer check: past
 * `sendBufferBytesMax` bytes waiting unsent, the connection is closed
 * (`1013`) and nothing more is written. Frames written in one turn leave in
 * one system call: the socket corks on the first and uncorks once the turn is
 * over (`ws-socket.ts`).
 */
import type { ErrorFrameCode } from '../protocol/index.ts';
import { encodeServerFrame } from '../protocol/index.ts';
import { CloseCode } from './close-codes.ts';
import { shut } from './edge-close.ts';
import type { EdgeState } from './edge-state.ts';

const MESSAGE_PREFIX = '{"type":"message"';

/** What an `error` frame echoes of the frame it refuses. */
export interface Echo {
  readonly ref?: string | undefined;
  readonly id?: string | undefined;
}

/** Writes `frames` in order; stops (and closes) once the socket holds too much. */
export function write(state: EdgeState, frames: readonly string[]): void {
  let written = 0;
  let messages = 0;
  for (const json of frames) {
    if (state.closed) break;
    written++;
    if (json.startsWith(MESSAGE_PREFIX)) messages++;
    writeOne(state, json);
  }
  const counters = state.counters;
  counters.frameOut(written);
  if (messages > 0) counters.messageOut(messages);
}

/** Writes one frame (`write` for a single frame, without an array). */
export function writeFrame(state: EdgeState, json: string): void {
  if (state.closed) {
    state.counters.frameOut(0);
    return;
  }
  writeOne(state, json);
  state.counters.frameOut(1);
  if (json.startsWith(MESSAGE_PREFIX)) state.counters.messageOut(1);
}

function writeOne(state: EdgeState, json: string): void {
  const socket = state.socket;
  socket.send(json);
  const max = state.limits.sendBufferBytesMax;
  if (socket.bufferedAmount > max)
    shut(state, CloseCode.SlowConsumer, `slow consumer: over ${max} bytes unsent`);
}

export function sendError(
  state: EdgeState,
  code: ErrorFrameCode,
  message: string,
  echo: Echo,
): void {
  state.counters.error(code);
  const frame = {
    type: 'error' as const,
    code,
    message,
    ...(echo.ref === undefined ? {} : { ref: echo.ref }),
    ...(echo.id === undefined ? {} : { id: echo.id }),
  };
  writeFrame(state, encodeServerFrame(frame));
}
