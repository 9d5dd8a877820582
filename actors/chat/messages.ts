/**
 * Messages between the chat's actors: edge (one per WebSocket), user (one per
 * user) and group (one per group). Plain data only, so every one of them can
 * cross nodes through the runtime's codec. Refs inside are runtime refs.
 *
 * Addressing: user and group actors are virtual, reached by key through the
 * `Directory` (`user:<id>`, `group:<id>`); edges are plain actors reached by ref.
 */

import type { Ref } from '../../runtime/index.ts';
import type { ClientFrame, Content, GroupFrame } from '../protocol/index.ts';
import type { IntrospectMsg } from '../virtual/index.ts';

export const userKey = (user: string): string => `user:${user}`;
export const groupKey = (group: string): string => `group:${group}`;

// ---- to an edge ------------------------------------------------------------

export type EdgeMsg =
  /**
   * A frame to write to the client, already encoded as JSON text. A `sent`
   * ack names the message stored just before it from this device (`prior`):
   * the edge writes the ack only after that one's (`in-flight.ts`).
   */
  | { readonly t: 'push'; readonly json: string; readonly prior?: string }
  /**
   * Several frames in order (a replay batch). With `more`, the user actor
   * sends the next batch only after the edge answers `replay_more`, which it
   * does once its socket has drained: replay is paced by the client.
   */
  | { readonly t: 'push_many'; readonly json: readonly string[]; readonly more?: boolean }
  /** The user actor replaced this session with a newer one of the same device, or the server closes it. */
  | { readonly t: 'close'; readonly code: number; readonly reason: string }
  /**
   * The user actor has finished replaying the inbox: live traffic follows.
   * The edge monitors `user`; if that incarnation dies, the edge attaches again.
   */
  | { readonly t: 'attached'; readonly user: Ref<UserMsg> }
  /**
   * The user actor dropped this session when the link between their nodes
   * broke (`noconnection`), possibly after its `attached` had left: attach
   * again. Sent once the link is back; if it is lost, the link breaks again
   * and the edge's monitor tells it instead.
   */
  | { readonly t: 'reattach' }
  /** Internal to the edge: look again whether the socket drained enough to ask for more replay. */
  | { readonly t: 'drain_check' }
  /** Internal to the edge: has the `attach` it sent been answered (`attached`, or a replay batch)? */
  | { readonly t: 'attach_check' }
  /** Internal to the edge: a decoded socket event. */
  /** A client frame: text (JSON), or the bytes of a binary frame (MessagePack, or refused). */
  | { readonly t: 'socket_frame'; readonly data: string | Uint8Array; readonly binary?: boolean }
  | { readonly t: 'socket_closed' }
  | { readonly t: 'heartbeat' }
  | { readonly t: 'presence'; readonly json: string };

// ---- to a user actor ---------------------------------------------------------

/** The part of a message every copy carries. */
export interface MessageCore {
  readonly from: string;
  readonly id: string;
  readonly ts: number;
  readonly content: Content;
  /** The device that sent it: its own copies are not pushed back to it. */
  readonly device: string;
}

export type UserMsg =
  /** An edge opened a session for `device`: replay what it has not acked, then push live. */
  | { readonly t: 'attach'; readonly device: string; readonly edge: Ref<EdgeMsg> }
  | { readonly t: 'detach'; readonly device: string; readonly edge: Ref<EdgeMsg> }
  /** The session drained the last replay batch: send the next one. */
  | { readonly t: 'replay_more'; readonly device: string; readonly edge: Ref<EdgeMsg> }
  /** A validated client frame from a session of this user. */
  | {
      readonly t: 'client';
      readonly device: string;
      readonly edge: Ref<EdgeMsg>;
      readonly frame: ClientFrame;
    }
  /**
   * A 1:1 message from another user's actor, to append to this inbox.
   * `prevKey`: the key of the sender's previous still-unconfirmed message to
   * this user, or null when all earlier ones are confirmed. The recipient
   * accepts only when it already holds `prevKey`, so resends never reorder.
   */
  | {
      readonly t: 'deliver';
      readonly to: string;
      readonly msg: MessageCore;
      readonly senderSeq: number;
      readonly prevKey: string | null;
    }
  /** The recipient holds the message: the sender clears its pending mark. */
  | { readonly t: 'confirm'; readonly recipient: string; readonly senderSeq: number }
  /** The recipient lacks `prevKey`: resend everything pending to it, in order. */
  | { readonly t: 'gap'; readonly recipient: string }
  /** A group message to append to this member's inbox (same ordering rule, by group seq). */
  | {
      readonly t: 'group_deliver';
      readonly group: string;
      readonly gseq: number;
      readonly prevGseq: number | null;
      readonly msg: MessageCore;
    }
  /** A group's answer to this user's `post` of message `id`. */
  | {
      readonly t: 'posted';
      readonly group: string;
      readonly id: string;
      readonly reply: GroupReply;
    }
  /** A receipt for a message this user sent. */
  | {
      readonly t: 'receipt';
      readonly id: string;
      readonly by: string;
      readonly status: 'delivered' | 'read';
      readonly group?: string;
      readonly ts: number;
    }
  | {
      readonly t: 'typing';
      readonly from: string;
      readonly group?: string;
      readonly status: 'started' | 'stopped';
    }
  /** A group this user is (or was) in changed: push the group frame to every device. */
  | { readonly t: 'group_changed'; readonly frame: GroupFrame }
  /** Internal: timer tick for resends and passivation. */
  | { readonly t: 'tick' }
  /** From a node at start: you are on the store's wake list; activation is the point. */
  | { readonly t: 'wake' }
  /** Internal: write the confirms and receipts buffered so far. */
  | { readonly t: 'flush' }
  /** From the activator: passivation accepted, stop now. */
  | { readonly t: 'passivated' }
  /** From the activator: this key moved to another node; finish the mailbox and stop. */
  | { readonly t: 'handoff' }
  /** From the activator (admin `inspect`): answer epoch and devices. */
  | IntrospectMsg;

// ---- to a group actor --------------------------------------------------------

export type GroupReply =
  | { readonly ok: true; readonly gseq: number; readonly ts: number }
  | {
      readonly ok: false;
      readonly code: 'forbidden' | 'not_found' | 'unavailable' | 'bad_frame';
      readonly message: string;
      /** The store failed: the post may be in the log. Post it again before anything later. */
      readonly retry?: boolean;
    };

export type GroupMsg =
  | {
      readonly t: 'create';
      readonly by: string;
      readonly name: string;
      readonly members: readonly string[];
      readonly ref: string;
      readonly edge: Ref<EdgeMsg>;
    }
  | {
      readonly t: 'change';
      readonly op: 'group.add' | 'group.remove' | 'group.leave';
      readonly by: string;
      readonly members: readonly string[];
      readonly ref: string;
      readonly edge: Ref<EdgeMsg>;
    }
  /** A member's message; answered `posted` to `replyTo` (the sender's user actor), in the order posts arrive. */
  | { readonly t: 'post'; readonly msg: MessageCore; readonly replyTo: Ref<UserMsg> }
  | { readonly t: 'confirm'; readonly member: string; readonly gseq: number }
  | { readonly t: 'gap'; readonly member: string }
  | {
      readonly t: 'history';
      readonly by: string;
      readonly before: number | null;
      readonly limit: number;
      readonly ref: string | undefined;
      readonly edge: Ref<EdgeMsg>;
    }
  | { readonly t: 'typing'; readonly from: string; readonly status: 'started' | 'stopped' }
  | { readonly t: 'tick' }
  | { readonly t: 'wake' }
  | { readonly t: 'passivated' }
  /** From the activator: this key moved to another node; finish the mailbox and stop. */
  | { readonly t: 'handoff' }
  /** From the activator (admin `inspect`): answer epoch and members count. */
  | IntrospectMsg;

/** Close code sent to a session replaced by a newer connection of the same device. */
export const CLOSE_REPLACED = 4001;
