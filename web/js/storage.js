/**
 * The client's cache in localStorage, one entry per user and device
 * (`parley:v1:<user>:<device>`): the conversation list, the newest
 * `PERSISTED_PER_CONVERSATION` messages of each (unsent ones included, so
 * they are resent on connect), read state and settings. Two tabs signed in
 * as two devices of one user never write each other's entry. The server
 * holds everything; a lost or unreadable cache only costs a first paint.
 */

import { byTime, messageKey } from './message-order.js';

const PERSISTED_PER_CONVERSATION = 100;

export function storageKey(me, device) {
  return `parley:v1:${me}:${device}`;
}

/** Writes `state` to its entry; a full or disabled storage is ignored. */
export function saveState(state) {
  const conversations = [...state.conversations.values()].map((c) => ({
    key: c.key,
    name: c.name,
    members: c.members,
    admins: c.admins,
    left: c.left,
    lastTs: c.lastTs,
    draft: c.draft,
    readUpTo: c.readUpTo,
    serverUnread: c.serverUnread,
    messages: c.messages.slice(-PERSISTED_PER_CONVERSATION).map((m) => ({
      id: m.id,
      from: m.from,
      to: m.to,
      group: m.group,
      ts: m.ts,
      inboxSeq: m.inboxSeq,
      localTs: m.localTs,
      content: m.content,
      status: m.status,
      receipts: m.receipts,
      readSent: m.readSent,
      failed: m.failed,
    })),
  }));
  try {
    localStorage.setItem(
      state.storageKey,
      JSON.stringify({ conversations, settings: state.settings }),
    );
  } catch {
    // Storage full or disabled: the server still has everything.
  }
}

/** Fills a fresh `state` from its entry, if there is one. */
export function loadState(state) {
  const saved = readSaved(state);
  if (saved === null) return;
  state.settings = { ...state.settings, ...saved.settings };
  for (const c of saved.conversations) {
    if (typeof c.key !== 'string' || !/^[ug]:/.test(c.key)) continue;
    const conv = state.conversation(c.key);
    Object.assign(conv, {
      name: c.name ?? conv.name,
      members: c.members ?? [],
      admins: c.admins ?? [],
      left: c.left === true,
      lastTs: c.lastTs,
      draft: c.draft ?? '',
      readUpTo: typeof c.readUpTo === 'number' ? c.readUpTo : 0,
      serverUnread: c.serverUnread,
    });
    for (const s of c.messages ?? []) {
      const m = {
        ...s,
        key: messageKey(s.from, s.id),
        order: state.order++,
        mine: s.from === state.me,
      };
      conv.byKey.set(m.key, m);
      conv.messages.push(m);
      if (m.mine) state.ownById.set(m.id, m);
    }
    conv.messages.sort(byTime);
  }
}

function readSaved(state) {
  let saved;
  try {
    saved = JSON.parse(localStorage.getItem(state.storageKey) ?? 'null');
  } catch {
    saved = null;
  }
  if (saved === null || typeof saved !== 'object' || !Array.isArray(saved.conversations))
    return null;
  return saved;
}
