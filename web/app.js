/**
 * Parley web client: the entry point. Signs in with a dev token, then wires
 * the connection, the state, the controller and the views together.
 *
 * Modules (web/js/): `api` (HTTP: tokens, media), `connection` (the
 * WebSocket, kept up), `state` (the model), `chat` (the controller: frames
 * in, frames out), `views/` (DOM), `dom` (helpers).
 *
 * The session (user, device, token) lives in sessionStorage, so it is per
 * tab: two tabs sign in as two users (or two devices of one user) and never
 * take each other's session. A reload keeps the tab's session. The cached
 * chats are per user and device (localStorage, see `state`).
 */
import { mintDevToken, tokenExpiry } from './js/api.js';
import { ChatController } from './js/chat.js';
import { Connection } from './js/connection.js';
import { newId } from './js/dom.js';
import { onNotificationOpen, registerServiceWorker } from './js/push.js';
import { ChatState } from './js/state.js';
import { conversationView } from './js/views/conversation.js';
import { groupInfoDialog, newGroupDialog, settingsDialog } from './js/views/dialogs.js';
import { noticesView } from './js/views/notices.js';
import { sessionBanner } from './js/views/session-banner.js';
import { sidebarView } from './js/views/sidebar.js';
import { signInView } from './js/views/sign-in.js';

const SESSION_KEY = 'parley:session';
const DEVICE_KEY = 'parley:device';
/** Renew the token when it has less than this left. */
const TOKEN_MARGIN_SEC = 60;

const root = document.getElementById('app');

function loadSession() {
  try {
    const s = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? 'null');
    return s && typeof s.user === 'string' && typeof s.device === 'string' ? s : null;
  } catch {
    return null;
  }
}

function saveSession(session) {
  try {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  } catch {
    // Storage disabled: the session lasts until the page is closed.
  }
}

/** This tab's device id: random per tab, so two tabs are two devices unless told otherwise. */
function defaultDevice() {
  let device = sessionStorage.getItem(DEVICE_KEY);
  if (device === null) {
    device = `web-${newId().slice(0, 6)}`;
    sessionStorage.setItem(DEVICE_KEY, device);
  }
  return device;
}

function showSignIn(user) {
  document.title = 'Parley';
  root.replaceChildren(
    signInView({
      user,
      device: defaultDevice(),
      onSubmit: async (u, device) => {
        const token = await mintDevToken(u, device);
        sessionStorage.setItem(DEVICE_KEY, device);
        const session = { user: u, device, token };
        saveSession(session);
        startApp(session);
      },
    }),
  );
  root.querySelector('input')?.focus();
}

function startApp(session) {
  const state = new ChatState(session.user, session.device);
  state.load();
  let token = session.token;

  const connection = new Connection(async (renew) => {
    const exp = token === undefined ? undefined : tokenExpiry(token);
    if (
      renew ||
      token === undefined ||
      (exp !== undefined && exp - Date.now() / 1000 < TOKEN_MARGIN_SEC)
    ) {
      token = await mintDevToken(session.user, session.device);
      saveSession({ ...session, token });
    }
    const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
    return `${scheme}://${location.host}/ws?token=${encodeURIComponent(token)}`;
  });
  const controller = new ChatController({ state, connection, token: () => token });

  const notices = noticesView();
  const settings = settingsDialog({
    state,
    controller,
    device: session.device,
    onSignOut: async () => {
      // The browser's subscription must not keep notifying this user for whoever signs in next.
      if (controller.notifications.settings.on)
        await controller.notifications.disable().catch(() => {});
      connection.stop();
      controller.dispose();
      state.save();
      sessionStorage.removeItem(SESSION_KEY);
      window.removeEventListener('online', onOnline);
      showSignIn(session.user);
    },
  });
  const newGroup = newGroupDialog({ state, controller });
  const groupInfo = groupInfoDialog({ state, controller });
  const sidebar = sidebarView({
    state,
    controller,
    device: session.device,
    onNewGroup: () => newGroup.show(),
    onSettings: () => settings.show(),
  });
  const chat = conversationView({ state, controller, onGroupInfo: () => groupInfo.show() });
  const banner = sessionBanner({ device: session.device, onReconnect: () => connection.start() });

  const shell = document.createElement('div');
  shell.className = 'app';
  shell.append(banner.el, sidebar.el, chat.el, settings.el, newGroup.el, groupInfo.el, notices.el);
  root.replaceChildren(shell);

  let queued = false;
  const render = () => {
    queued = false;
    const conv = state.openConversation;
    shell.dataset.view = conv === null ? 'list' : 'chat';
    let unread = 0;
    for (const c of state.conversations.values()) unread += state.unreadCount(c);
    document.title = `${unread > 0 ? `(${unread}) ` : ''}Parley · ${state.me}`;
    sidebar.render();
    chat.render();
    groupInfo.render();
    settings.render();
  };
  const scheduleRender = () => {
    if (queued) return;
    queued = true;
    setTimeout(render, 0);
  };
  state.addEventListener('change', scheduleRender);
  connection.addEventListener('status', (e) => {
    sidebar.setConnection(e.detail);
    banner.setConnection(e.detail);
  });
  controller.addEventListener('notice', (e) => notices.show(e.detail));
  // Back online, or back to the tab: try now rather than wait out the backoff.
  const onOnline = () => connection.retryNow();
  window.addEventListener('online', onOnline);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') connection.retryNow();
  });

  // Notifications (docs/push.md): the service worker shows them; a click opens the conversation.
  void registerServiceWorker();
  onNotificationOpen((key) => state.open(key));
  const asked = new URLSearchParams(location.search).get('open');
  if (asked !== null && /^[ug]:./.test(asked)) {
    state.open(asked);
    history.replaceState(null, '', location.pathname);
  }

  render();
  connection.start();
}

const session = loadSession();
if (session === null) showSignIn();
else startApp(session);
