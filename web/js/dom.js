/**
 * Small DOM and formatting helpers shared by the views. `h()` builds an
 * element from a tag, attributes and children; it never parses HTML, so text
 * from the network cannot inject markup.
 */

/**
 * Creates an element. Attributes: `class`, `dataset` (object), `on<event>`
 * (listener), booleans (set when true, left out when false), anything else
 * as an attribute. Children: nodes, strings, or null/false (skipped).
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') el.className = value;
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function')
      el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

/** Appends children, skipping null, undefined and false. */
export function append(el, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}

/** Replaces every child of `el`. */
export function replaceChildren(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/** A client-chosen id: 16 random bytes, hex (protocol ids are 1..64 chars). */
export function newId() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dateFormat = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** `14:03` today, `3 Mar` before. */
export function shortTime(ms) {
  const date = new Date(ms);
  return sameDay(date, new Date()) ? timeFormat.format(date) : dateFormat.format(date);
}

/** `14:03`. */
export function clockTime(ms) {
  return timeFormat.format(new Date(ms));
}

/** "last seen today at 14:03", "last seen 3 Mar at 09:12". */
export function lastSeenText(ms) {
  const date = new Date(ms);
  const day = sameDay(date, new Date()) ? 'today' : dateFormat.format(date);
  return `last seen ${day} at ${timeFormat.format(date)}`;
}

/** `2026-12-01`: the local calendar day of a time, to group messages by. */
export function dayKey(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

const longDateFormat = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
  year: 'numeric',
});

/** "Today", "Yesterday", or the full date: the label of a date separator. */
export function dayLabel(ms, now = Date.now()) {
  const date = new Date(ms);
  const today = new Date(now);
  if (sameDay(date, today)) return 'Today';
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (sameDay(date, yesterday)) return 'Yesterday';
  return longDateFormat.format(date);
}

/** `512 B`, `1.5 KB`, `12 MB`. */
export function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

function sameDay(a, b) {
  return (
    a.getFullYear() === b.getFullYear() &&
    a.getMonth() === b.getMonth() &&
    a.getDate() === b.getDate()
  );
}

/** Comma- or space-separated user ids, deduplicated, blanks dropped. */
export function parseUserList(text) {
  return [...new Set(text.split(/[\s,]+/).filter((s) => s !== ''))];
}

/** User and device ids: 1..64 chars of [A-Za-z0-9_.-]. */
export const USER_ID = /^[A-Za-z0-9_.-]{1,64}$/;
