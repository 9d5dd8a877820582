/**
 * The banner shown when this tab's session was replaced (close code 4001:
 * the same user and device connected in another tab or window). The tab
 * does not reconnect by itself, which would replace the other session in
 * turn; the person chooses with the button, and the banner goes away once
 * the connection is back.
 */
import { h } from '../dom.js';

/** @param {{ device: string, onReconnect: () => void }} deps */
export function sessionBanner({ device, onReconnect }) {
  const el = h(
    'div',
    { class: 'session-banner', role: 'alert', 'data-testid': 'replaced-banner', hidden: true },
    h(
      'p',
      {},
      `This chat is open on device "${device}" somewhere else (another tab or window), so it was disconnected here.`,
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'primary',
        'data-testid': 'reconnect-button',
        onclick: () => {
          el.hidden = true;
          onReconnect();
        },
      },
      'Use here',
    ),
  );
  function setConnection({ state }) {
    if (state === 'replaced') el.hidden = false;
    else if (state === 'online' || state === 'stopped') el.hidden = true;
  }
  return { el, setConnection };
}
