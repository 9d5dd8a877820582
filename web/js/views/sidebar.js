/**
 * The left pane: who I am and the connection's state, a field to start a
 * chat, buttons for a new group and settings, and the conversation list
 * (newest activity first, with the last message, its time and an unread count).
 */
import { h, replaceChildren, shortTime, USER_ID } from '../dom.js';
import { icon } from '../icons.js';
import { avatar, previewText } from './common.js';

const CONNECTION_TEXT = {
  connecting: 'Connecting…',
  online: 'Online',
  offline: 'Offline',
  stopped: 'Signed out',
  replaced: 'Disconnected (open elsewhere)',
};

/**
 * @param {{ state: import('../state.js').ChatState,
 *           controller: import('../chat.js').ChatController,
 *           device: string,
 *           onNewGroup: () => void, onSettings: () => void }} deps
 */
export function sidebarView({ state, controller, device, onNewGroup, onSettings }) {
  const status = h('span', {
    class: 'connection',
    'data-testid': 'connection-status',
    role: 'status',
  });
  const peerInput = h('input', {
    id: 'new-chat-user',
    'data-testid': 'new-chat-input',
    placeholder: 'Start a chat: user id',
    autocomplete: 'off',
    'aria-label': 'User id to chat with',
  });
  const list = h('ul', {
    class: 'conversation-list',
    'data-testid': 'conversation-list',
    'aria-label': 'Conversations',
  });
  const el = h(
    'aside',
    { class: 'sidebar', 'aria-label': 'Chats' },
    h(
      'header',
      { class: 'sidebar-header' },
      avatar(state.me),
      h(
        'div',
        { class: 'me' },
        h('strong', { 'data-testid': 'me' }, state.me),
        h('span', { class: 'muted small' }, `on ${device} · `, status),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'icon-button',
          'data-testid': 'new-group-button',
          'aria-label': 'New group',
          title: 'New group',
          onclick: onNewGroup,
        },
        icon('group'),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'icon-button',
          'data-testid': 'settings-button',
          'aria-label': 'Settings',
          title: 'Settings',
          onclick: onSettings,
        },
        icon('more'),
      ),
    ),
    h(
      'form',
      {
        class: 'new-chat',
        'data-testid': 'new-chat-form',
        onsubmit: (event) => {
          event.preventDefault();
          const user = peerInput.value.trim();
          if (!USER_ID.test(user) || user === state.me) {
            controller.notice('Enter another user id (letters, digits, ".", "_", "-")', 'error');
            return;
          }
          peerInput.value = '';
          controller.startChat(user);
        },
      },
      peerInput,
      h(
        'button',
        { type: 'submit', 'data-testid': 'new-chat-submit', 'aria-label': 'Start chat' },
        'Chat',
      ),
    ),
    list,
  );

  function item(conv) {
    const last = conv.messages.at(-1);
    const unread = state.unreadCount(conv);
    const presence = conv.kind === 'user' ? state.presence.get(conv.id) : undefined;
    const preview =
      last === undefined
        ? conv.kind === 'group'
          ? `${conv.members.length} members`
          : 'No messages yet'
        : `${last.mine ? 'You: ' : conv.kind === 'group' ? `${last.from}: ` : ''}${previewText(last.content)}`;
    const time = last?.ts ?? last?.localTs;
    return h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: `conversation${conv.key === state.openKey ? ' active' : ''}${conv.left ? ' left' : ''}`,
          'data-testid': 'conversation-item',
          'data-conversation': conv.key,
          'aria-current': conv.key === state.openKey ? 'true' : undefined,
          onclick: () => controller.open(conv.key),
        },
        h(
          'span',
          { class: 'avatar-wrap' },
          avatar(conv.name, { group: conv.kind === 'group' }),
          presence?.online ? h('span', { class: 'online-dot', title: 'online' }) : null,
        ),
        h(
          'span',
          { class: 'conversation-text' },
          h(
            'span',
            { class: 'conversation-top' },
            h(
              'span',
              { class: 'conversation-name', 'data-testid': 'conversation-name' },
              conv.name,
            ),
            time === undefined ? null : h('span', { class: 'conversation-time' }, shortTime(time)),
          ),
          h(
            'span',
            { class: 'conversation-bottom' },
            h('span', { class: 'conversation-preview' }, preview),
            unread > 0
              ? h(
                  'span',
                  {
                    class: 'badge',
                    'data-testid': 'unread-count',
                    'aria-label': `${unread} unread`,
                  },
                  String(unread),
                )
              : null,
          ),
        ),
      ),
    );
  }

  function render() {
    const focused = document.activeElement?.dataset?.conversation;
    const convs = state.sortedConversations();
    if (convs.length === 0)
      replaceChildren(list, h('li', { class: 'empty muted' }, 'No chats yet. Start one above.'));
    else replaceChildren(list, ...convs.map(item));
    if (focused !== undefined)
      list.querySelector(`[data-conversation="${CSS.escape(focused)}"]`)?.focus();
  }

  function setConnection({ state: s, retryMs }) {
    status.dataset.state = s;
    status.textContent =
      s === 'offline' && retryMs !== undefined
        ? `Offline, retrying in ${Math.max(1, Math.round(retryMs / 1000))} s`
        : CONNECTION_TEXT[s];
  }

  return { el, render, setConnection };
}
