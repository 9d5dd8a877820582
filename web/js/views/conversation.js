/**
 * The right pane: the open conversation's header (name, then "typing…",
 * presence and last seen, or the group's members), its messages (kept as
 * keyed DOM nodes so images do not reload and ticks update in place) under
 * date separators ("Today", "Yesterday", a date), a "load older" control,
 * and the composer: text, and files of any type (attach button, paste into
 * the composer, or drop onto the conversation), sent as image, video, audio
 * or document by their type.
 *
 * Scrolling: a view at the bottom stays there as messages come; older
 * messages put on top keep what the user is reading in place; reaching the
 * top asks for the older page.
 */
import { clockTime, dayKey, dayLabel, h, lastSeenText, replaceChildren } from '../dom.js';
import { icon } from '../icons.js';
import { avatar, tick } from './common.js';
import { enableFileDrop } from './file-drop.js';
import { contentNode } from './message-content.js';

const NEAR_EDGE_PX = 48;
const COMPOSER_HEIGHT_MAX_PX = 160;

/**
 * @param {{ state: import('../state.js').ChatState,
 *           controller: import('../chat.js').ChatController,
 *           onGroupInfo: () => void }} deps
 */
export function conversationView({ state, controller, onGroupInfo }) {
  /** message key → { el, stamp } for the conversation shown */
  let nodes = new Map();
  let shownKey = null;

  const title = h('h2', { class: 'chat-title', 'data-testid': 'chat-title' });
  const subtitle = h('p', { class: 'chat-subtitle', 'aria-live': 'polite' });
  const headerAvatar = h('span', { class: 'avatar-slot' });
  const infoButton = h(
    'button',
    {
      type: 'button',
      class: 'icon-button',
      'data-testid': 'group-info-button',
      'aria-label': 'Group info',
      title: 'Group info',
      onclick: onGroupInfo,
    },
    icon('info'),
  );
  const header = h(
    'header',
    { class: 'chat-header' },
    h(
      'button',
      {
        type: 'button',
        class: 'icon-button back',
        'data-testid': 'back-button',
        'aria-label': 'Back to chats',
        onclick: () => controller.open(null),
      },
      icon('back'),
    ),
    headerAvatar,
    h('div', { class: 'chat-heading' }, title, subtitle),
    infoButton,
  );
  const older = h(
    'button',
    {
      type: 'button',
      class: 'load-older',
      'data-testid': 'load-older',
      onclick: () => {
        const conv = state.openConversation;
        if (conv !== null) controller.loadHistory(conv);
      },
    },
    'Load older messages',
  );
  const list = h('ol', {
    class: 'messages',
    'data-testid': 'message-list',
    'aria-label': 'Messages',
  });
  const scroller = h(
    'div',
    {
      class: 'message-scroller',
      onscroll: () => {
        stickToBottom = distanceFromBottom() < NEAR_EDGE_PX;
        const conv = state.openConversation;
        if (conv !== null && scroller.scrollTop < NEAR_EDGE_PX && typeof conv.next === 'string')
          controller.loadHistory(conv);
      },
    },
    older,
    list,
  );

  const input = h('textarea', {
    class: 'composer-input',
    rows: 1,
    'data-testid': 'composer-input',
    'aria-label': 'Message',
    placeholder: 'Message',
    oninput: () => {
      controller.typed(input.value);
      autosize();
    },
    onkeydown: (event) => {
      if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        submit();
      }
    },
    onpaste: (event) => {
      const files = [...(event.clipboardData?.files ?? [])];
      if (files.length === 0) return; // plain text: the textarea takes it
      event.preventDefault();
      void controller.sendFiles(files);
    },
  });
  const fileInput = h('input', {
    type: 'file',
    multiple: true,
    id: 'attach-input',
    class: 'visually-hidden',
    'data-testid': 'attach-input',
    onchange: () => {
      const files = [...fileInput.files];
      fileInput.value = '';
      void controller.sendFiles(files);
    },
  });
  const composer = h(
    'form',
    {
      class: 'composer',
      'data-testid': 'composer',
      onsubmit: (event) => {
        event.preventDefault();
        submit();
      },
    },
    h(
      'label',
      {
        class: 'icon-button attach',
        for: 'attach-input',
        title: 'Attach a file',
        'data-testid': 'attach-button',
      },
      icon('attach'),
      h('span', { class: 'visually-hidden' }, 'Attach a file'),
    ),
    fileInput,
    input,
    h(
      'button',
      { type: 'submit', class: 'send', 'data-testid': 'send-button', 'aria-label': 'Send' },
      icon('send'),
    ),
  );
  const leftNote = h(
    'p',
    { class: 'left-note muted', 'data-testid': 'left-note' },
    'You are no longer a member of this group.',
  );
  const chat = h(
    'section',
    { class: 'chat', 'aria-label': 'Conversation', 'data-testid': 'chat' },
    header,
    scroller,
    composer,
    leftNote,
  );
  enableFileDrop(chat, {
    accepts: () => state.openConversation?.left === false,
    onFiles: (files) => void controller.sendFiles(files),
  });
  const empty = h(
    'section',
    { class: 'chat-empty', 'data-testid': 'no-conversation' },
    icon('chat', 'icon logo big'),
    h('p', {}, 'Pick a chat, or start one with a user id.'),
  );
  const el = h('main', { class: 'chat-pane' }, empty, chat);

  function submit() {
    const text = input.value;
    if (text.trim() === '') return;
    input.value = '';
    autosize();
    controller.sendText(text);
    const conv = state.openConversation;
    if (conv !== null) conv.draft = '';
    stickToBottom = true;
  }

  function autosize() {
    input.style.height = 'auto';
    input.style.height = `${Math.min(input.scrollHeight, COMPOSER_HEIGHT_MAX_PX)}px`;
    input.style.overflowY = input.scrollHeight > COMPOSER_HEIGHT_MAX_PX ? 'auto' : 'hidden';
  }

  /** Whether the view follows new messages: true while the user is at the bottom. */
  let stickToBottom = true;

  function distanceFromBottom() {
    return scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight;
  }

  const onMediaLoad = () => {
    if (stickToBottom) scroller.scrollTop = scroller.scrollHeight;
  };

  function messageNode(conv, m) {
    const content = contentNode(m.content, {
      mediaUrl: (path) => controller.mediaUrl(path),
      onMediaLoad,
    });
    const time = m.ts ?? m.localTs;
    return h(
      'li',
      {
        class: `message ${m.mine ? 'mine' : 'theirs'}`,
        'data-testid': 'message',
        'data-from': m.from,
        'data-id': m.id,
      },
      h(
        'div',
        { class: 'bubble' },
        conv.kind === 'group' && !m.mine
          ? h('span', { class: 'sender', 'data-testid': 'message-sender' }, m.from)
          : null,
        content,
        h(
          'span',
          { class: 'meta' },
          time === undefined
            ? null
            : h('time', { datetime: new Date(time).toISOString() }, clockTime(time)),
          m.mine ? tick(m) : null,
        ),
      ),
    );
  }

  /** What, if it changes, means the node must be redrawn. */
  const stampOf = (m) => `${m.status}|${m.failed ?? ''}|${m.ts ?? ''}`;

  function renderMessages(conv) {
    if (shownKey !== conv.key) {
      nodes = new Map();
      list.replaceChildren();
      shownKey = conv.key;
      stickToBottom = true;
    }
    // What the person is reading: the first message in view, kept in place below.
    const anchorKey = stickToBottom ? undefined : firstVisibleMessageKey();
    const anchorTop =
      anchorKey === undefined ? 0 : nodes.get(anchorKey).el.getBoundingClientRect().top;
    const seen = new Set();
    let cursor = list.firstElementChild;
    const now = Date.now();
    for (const item of withSeparators(conv.messages, now)) {
      seen.add(item.key);
      let entry = nodes.get(item.key);
      const stamp = item.separator ? item.label : stampOf(item.message);
      if (entry === undefined || entry.stamp !== stamp) {
        const el = item.separator ? separatorNode(item) : messageNode(conv, item.message);
        if (entry !== undefined) entry.el.replaceWith(el);
        if (cursor === entry?.el) cursor = el;
        entry = { el, stamp };
        nodes.set(item.key, entry);
      }
      if (entry.el !== cursor) list.insertBefore(entry.el, cursor);
      else cursor = cursor.nextElementSibling;
    }
    for (const [key, entry] of nodes) {
      if (!seen.has(key)) {
        entry.el.remove();
        nodes.delete(key);
      }
    }
    const anchor = anchorKey === undefined ? undefined : nodes.get(anchorKey)?.el;
    if (stickToBottom) scroller.scrollTop = scroller.scrollHeight;
    else if (anchor !== undefined)
      scroller.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
    stickToBottom = distanceFromBottom() < NEAR_EDGE_PX;
  }

  /** The key of the first message (not separator) whose node reaches into the view. */
  function firstVisibleMessageKey() {
    const top = scroller.getBoundingClientRect().top;
    for (const [key, entry] of nodes) {
      if (key.startsWith('day:')) continue;
      if (entry.el.getBoundingClientRect().bottom > top) return key;
    }
    return undefined;
  }

  /** The messages with a separator before the first of each calendar day. */
  function withSeparators(messages, now) {
    const out = [];
    let day;
    for (const m of messages) {
      const time = m.ts ?? m.localTs;
      if (time !== undefined) {
        const key = dayKey(time);
        if (key !== day) {
          day = key;
          out.push({ separator: true, key: `day:${key}`, label: dayLabel(time, now), time });
        }
      }
      out.push({ separator: false, key: m.key, message: m });
    }
    return out;
  }

  function separatorNode(item) {
    return h(
      'li',
      { class: 'day-separator', 'data-testid': 'day-separator', 'data-day': item.key.slice(4) },
      h('span', {}, item.label),
    );
  }

  function renderHeader(conv) {
    replaceChildren(headerAvatar, avatar(conv.name, { group: conv.kind === 'group' }));
    title.textContent = conv.name;
    const typers = state.typers(conv);
    if (typers.length > 0) {
      const who =
        conv.kind === 'group' ? `${typers.join(', ')} ${typers.length > 1 ? 'are' : 'is'} ` : '';
      replaceChildren(
        subtitle,
        h('span', { class: 'typing', 'data-testid': 'typing-indicator' }, `${who}typing…`),
      );
    } else if (conv.kind === 'user') {
      const p = state.presence.get(conv.id);
      const text =
        p === undefined
          ? ''
          : p.online
            ? 'online'
            : p.lastSeen !== null
              ? lastSeenText(p.lastSeen)
              : '';
      replaceChildren(
        subtitle,
        h('span', { 'data-testid': 'presence', 'data-online': String(p?.online ?? false) }, text),
      );
    } else {
      const names = conv.members.map((u) => (u === state.me ? 'you' : u));
      replaceChildren(
        subtitle,
        h('span', { 'data-testid': 'group-members-summary' }, names.join(', ')),
      );
    }
    infoButton.hidden = conv.kind !== 'group';
  }

  function render() {
    const conv = state.openConversation;
    el.classList.toggle('has-conversation', conv !== null);
    empty.hidden = conv !== null;
    chat.hidden = conv === null;
    if (conv === null) {
      shownKey = null;
      return;
    }
    const switched = shownKey !== conv.key;
    renderHeader(conv);
    older.hidden = typeof conv.next !== 'string';
    older.disabled = conv.historyLoading;
    older.textContent = conv.historyLoading ? 'Loading…' : 'Load older messages';
    renderMessages(conv);
    composer.hidden = conv.left;
    leftNote.hidden = !conv.left;
    if (switched) {
      input.value = conv.draft ?? '';
      autosize();
      if (window.matchMedia('(pointer: fine)').matches) input.focus();
    }
  }

  return { el, render };
}
