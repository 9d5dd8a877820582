/**
 * Unobtrusive notices (error frames, failed uploads): a polite live region
 * in a corner; each notice goes away after a few seconds or on a click.
 */
import { h } from '../dom.js';

const SHOWN_MS = 6_000;
const SHOWN_MAX = 4;

export function noticesView() {
  const el = h('div', { class: 'notices', 'aria-live': 'polite', 'data-testid': 'notices' });
  function show({ text, kind }) {
    const note = h(
      'div',
      {
        class: `notice notice-${kind}`,
        role: kind === 'error' ? 'alert' : 'status',
        'data-testid': 'notice',
        onclick: () => note.remove(),
      },
      text,
    );
    el.append(note);
    while (el.childElementCount > SHOWN_MAX) el.firstElementChild.remove();
    setTimeout(() => note.remove(), SHOWN_MS);
  }
  return { el, show };
}
