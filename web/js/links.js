/**
 * Finds web links in message text, for the views to make clickable.
 *
 * Guarantees: only `http:` and `https:` URLs become links (never
 * `javascript:`, `data:` or anything else); the link's href is the URL as
 * the browser parses it; trailing punctuation (`.`, `,`, `!`, `?`, quotes, a
 * closing bracket without its opening one) stays text. The result is plain
 * segments: the caller builds DOM nodes from them, never HTML.
 */

const CANDIDATE = /\bhttps?:\/\/[^\s<>"]+/gi;
const TRAILING = /[.,;:!?'")\]}*_~]$/;
const CLOSERS = { ')': '(', ']': '[', '}': '{' };

/**
 * Splits `text` into `{ text }` and `{ text, href }` segments, in order; their
 * texts joined give `text` back.
 * @param {string} text
 * @returns {Array<{ text: string, href?: string }>}
 */
export function linkSegments(text) {
  const out = [];
  let at = 0;
  for (const match of text.matchAll(CANDIDATE)) {
    const start = match.index;
    const raw = trimTrailing(match[0]);
    const href = httpHref(raw);
    if (href === undefined) continue;
    if (start > at) out.push({ text: text.slice(at, start) });
    out.push({ text: raw, href });
    at = start + raw.length;
  }
  if (at < text.length || out.length === 0) out.push({ text: text.slice(at) });
  return out;
}

function trimTrailing(url) {
  let s = url;
  while (TRAILING.test(s)) {
    const last = s.at(-1);
    const opener = CLOSERS[last];
    // "(see https://en.wikipedia.org/wiki/Foo_(bar))": keep a balanced bracket.
    if (opener !== undefined && count(s, opener) >= count(s, last)) break;
    s = s.slice(0, -1);
  }
  return s;
}

function count(s, ch) {
  let n = 0;
  for (const c of s) if (c === ch) n++;
  return n;
}

function httpHref(raw) {
  try {
    const url = new URL(raw);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '')
      return url.href;
  } catch {
    // Not a URL after all.
  }
  return undefined;
}
