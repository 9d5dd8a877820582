/**
 * The right pane: the open conversation's header (name, then "typing…",
 * presence and last seen, or the group's members), its messages (kept as
 * keyed DOM nodes so images do not reload and ticks update in place), a
 * "load older" control, and the composer (text and image).
 *
 * Scrolling: a view at the bottom stays there as messages come; older
 * messages put on top keep what the user is reading in place; reaching the
 * top asks for the older page.
 */
import { clockTime, h, lastSeenText, replaceChildren } from '../dom.js';
import { icon } from '../icons.js';
import { avatar, previewText, tick } from './common.js';

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
  });
  const fileInput = h('input', {
    type: 'file',
    accept: 'image/*',
    id: 'attach-input',
    class: 'visually-hidden',
    'data-testid': 'attach-input',
    onchange: async () => {
      const files = [...fileInput.files];
      fileInput.value = '';
      for (const file of files) await controller.sendImage(file);
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
        title: 'Send a photo',
        'data-testid': 'attach-button',
      },
      icon('attach'),
      h('span', { class: 'visually-hidden' }, 'Send a photo'),
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
    { class: 'chat', 'aria-label': 'Conversation' },
    header,
    scroller,
    composer,
    leftNote,
  );
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

  function messageNode(conv, m) {
    const content =
      m.content?.type === 'image'
        ? h(
            'figure',
            { class: 'image' },
            h('img', {
              src: controller.imageSrc(m.content.url),
              alt: m.content.caption ?? 'Photo',
              loading: 'lazy',
              'data-testid': 'message-image',
              onload: () => {
                if (stickToBottom) scroller.scrollTop = scroller.scrollHeight;
              },
            }),
            m.content.caption ? h('figcaption', {}, m.content.caption) : null,
          )
        : h('p', { class: 'text', 'data-testid': 'message-text' }, previewText(m.content));
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
    const firstBefore = list.firstElementChild;
    const heightBefore = scroller.scrollHeight;
    const topBefore = scroller.scrollTop;
    const seen = new Set();
    let cursor = list.firstElementChild;
    for (const m of conv.messages) {
      seen.add(m.key);
      let entry = nodes.get(m.key);
      const stamp = stampOf(m);
      if (entry === undefined || entry.stamp !== stamp) {
        const el = messageNode(conv, m);
        if (entry !== undefined) entry.el.replaceWith(el);
        if (cursor === entry?.el) cursor = el;
        entry = { el, stamp };
        nodes.set(m.key, entry);
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
    const prepended = firstBefore?.isConnected && list.firstElementChild !== firstBefore;
    if (prepended && !stickToBottom)
      scroller.scrollTop = topBefore + (scroller.scrollHeight - heightBefore);
    else if (stickToBottom) scroller.scrollTop = scroller.scrollHeight;
    stickToBottom = distanceFromBottom() < NEAR_EDGE_PX;
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
