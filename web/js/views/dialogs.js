/**
 * Modal dialogs (native <dialog>): settings (hide last seen, notifications,
 * sign out), a new
 * group (name and members), and a group's info (members and admins; admins
 * add and remove members; anyone leaves).
 */
import { h, parseUserList, replaceChildren, USER_ID } from '../dom.js';
import { icon } from '../icons.js';
import { pushSupported } from '../push.js';
import { avatar } from './common.js';

function dialog(testid, titleText, ...body) {
  const titleId = `${testid}-title`;
  const el = h(
    'dialog',
    { class: 'dialog', 'data-testid': testid, 'aria-labelledby': titleId },
    h(
      'header',
      { class: 'dialog-header' },
      h('h2', { id: titleId }, titleText),
      h(
        'button',
        {
          type: 'button',
          class: 'icon-button',
          'aria-label': 'Close',
          'data-testid': `${testid}-close`,
          onclick: () => el.close(),
        },
        icon('close'),
      ),
    ),
    ...body,
  );
  el.addEventListener('click', (event) => {
    if (event.target === el) el.close(); // a click on the backdrop
  });
  return el;
}

/** Settings: who sees my last seen; sign out. */
export function settingsDialog({ state, controller, device, onSignOut }) {
  const hide = h('input', {
    type: 'checkbox',
    id: 'setting-hide-last-seen',
    'data-testid': 'setting-hide-last-seen',
    onchange: () => controller.setLastSeen(hide.checked ? 'nobody' : 'everyone'),
  });
  const notifications = notificationSettings(controller);
  const el = dialog(
    'settings-dialog',
    'Settings',
    h('p', { class: 'muted' }, `Signed in as ${state.me} on device ${device}.`),
    h(
      'div',
      { class: 'setting' },
      hide,
      h(
        'label',
        { for: 'setting-hide-last-seen' },
        'Hide my last seen',
        h('span', { class: 'muted small block' }, 'Others still see when you are online.'),
      ),
    ),
    ...notifications.rows,
    h(
      'div',
      { class: 'dialog-actions' },
      h(
        'button',
        { type: 'button', class: 'danger', 'data-testid': 'sign-out', onclick: onSignOut },
        'Sign out',
      ),
    ),
  );
  return {
    el,
    show() {
      hide.checked = state.settings.lastSeen === 'nobody';
      notifications.render();
      el.showModal();
    },
    render: () => notifications.render(),
  };
}

const NOTIFICATION_STATUS = {
  off: 'Off.',
  pending: 'Turning on…',
  on: 'On: you get a notification when a message comes while Parley is closed.',
};

/** The notification rows of the settings: on/off, previews, and what happened. */
function notificationSettings(controller) {
  const sync = controller.notifications;
  const supported = pushSupported();
  const on = h('input', {
    type: 'checkbox',
    id: 'setting-notifications',
    'data-testid': 'setting-notifications',
    disabled: !supported,
    onchange: () => {
      if (on.checked) sync.enable(previews.checked).catch(() => render());
      else void sync.disable();
    },
  });
  const previews = h('input', {
    type: 'checkbox',
    id: 'setting-notification-previews',
    'data-testid': 'setting-notification-previews',
    onchange: () => void sync.setPreviews(previews.checked),
  });
  const status = h('p', { class: 'muted small', 'data-testid': 'notifications-status' });
  const render = () => {
    on.checked = sync.settings.on;
    previews.checked = sync.settings.previews;
    status.textContent = supported
      ? (NOTIFICATION_STATUS[sync.status] ?? sync.status)
      : 'This browser cannot show notifications.';
  };
  const rows = [
    h(
      'div',
      { class: 'setting' },
      on,
      h(
        'label',
        { for: 'setting-notifications' },
        'Notifications',
        h('span', { class: 'muted small block' }, 'When a message comes while Parley is closed.'),
      ),
    ),
    h(
      'div',
      { class: 'setting' },
      previews,
      h(
        'label',
        { for: 'setting-notification-previews' },
        'Show message text in notifications',
        h(
          'span',
          { class: 'muted small block' },
          'Off: only who wrote. Leave it off if your chats are end-to-end encrypted.',
        ),
      ),
    ),
    status,
  ];
  return { rows, render };
}

/** A new group: a name and members (user ids, comma- or space-separated). */
export function newGroupDialog({ state, controller }) {
  const name = h('input', {
    id: 'group-name',
    'data-testid': 'group-name',
    required: true,
    maxlength: 128,
  });
  const members = h('input', {
    id: 'group-members',
    'data-testid': 'group-members',
    placeholder: 'bob, carol',
    autocomplete: 'off',
  });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const form = h(
    'form',
    {
      class: 'dialog-form',
      'data-testid': 'group-form',
      onsubmit: (event) => {
        event.preventDefault();
        const ids = parseUserList(members.value).filter((u) => u !== state.me);
        const bad = ids.find((u) => !USER_ID.test(u));
        if (name.value.trim() === '') return void (error.textContent = 'The group needs a name.');
        if (bad !== undefined) return void (error.textContent = `"${bad}" is not a user id.`);
        controller.createGroup(name.value.trim(), ids);
        el.close();
      },
    },
    h('label', { for: 'group-name' }, 'Group name'),
    name,
    h('label', { for: 'group-members' }, 'Members (user ids)'),
    members,
    error,
    h(
      'div',
      { class: 'dialog-actions' },
      h(
        'button',
        { type: 'submit', class: 'primary', 'data-testid': 'group-submit' },
        'Create group',
      ),
    ),
  );
  const el = dialog('new-group-dialog', 'New group', form);
  return {
    el,
    show() {
      name.value = '';
      members.value = '';
      error.textContent = '';
      el.showModal();
    },
  };
}

/** The open group's members; admins add and remove; anyone leaves. */
export function groupInfoDialog({ state, controller }) {
  const list = h('ul', { class: 'member-list', 'data-testid': 'group-member-list' });
  const addInput = h('input', {
    id: 'group-add-input',
    'data-testid': 'group-add-input',
    placeholder: 'user ids to add',
    autocomplete: 'off',
    'aria-label': 'User ids to add',
  });
  const addForm = h(
    'form',
    {
      class: 'inline-form',
      'data-testid': 'group-add-form',
      onsubmit: (event) => {
        event.preventDefault();
        const conv = state.openConversation;
        const ids = parseUserList(addInput.value).filter((u) => USER_ID.test(u));
        if (conv === null || ids.length === 0) return;
        addInput.value = '';
        controller.addMembers(conv.id, ids);
      },
    },
    addInput,
    h('button', { type: 'submit', 'data-testid': 'group-add-submit' }, 'Add'),
  );
  const leave = h(
    'button',
    {
      type: 'button',
      class: 'danger',
      'data-testid': 'group-leave',
      onclick: () => {
        const conv = state.openConversation;
        if (conv !== null) controller.leaveGroup(conv.id);
      },
    },
    'Leave group',
  );
  const el = dialog(
    'group-info-dialog',
    'Group info',
    list,
    addForm,
    h('div', { class: 'dialog-actions' }, leave),
  );

  function render() {
    const conv = state.openConversation;
    if (!el.open || conv === null || conv.kind !== 'group') return;
    el.querySelector('h2').textContent = conv.name;
    const iAmAdmin = conv.admins.includes(state.me);
    replaceChildren(
      list,
      ...conv.members.map((u) =>
        h(
          'li',
          { 'data-testid': 'group-member', 'data-user': u },
          avatar(u, { small: true }),
          h('span', { class: 'member-name' }, u === state.me ? `${u} (you)` : u),
          conv.admins.includes(u) ? h('span', { class: 'tag' }, 'admin') : null,
          iAmAdmin && u !== state.me
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'link danger',
                  'data-testid': 'group-remove',
                  'aria-label': `Remove ${u}`,
                  onclick: () => controller.removeMember(conv.id, u),
                },
                'Remove',
              )
            : null,
        ),
      ),
    );
    addForm.hidden = !iAmAdmin || conv.left;
    leave.hidden = conv.left;
  }

  return {
    el,
    render,
    show() {
      el.showModal();
      render();
    },
  };
}
