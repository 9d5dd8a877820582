/**
 * The body of a message bubble, by content type: text with clickable links;
 * images, video and audio played from this server; documents as a card to
 * open or download.
 *
 * Safety: everything is built as DOM nodes (user text is only ever text);
 * links are `http(s)` only and open with `rel="noopener noreferrer"`; media
 * is loaded only when its URL is this server's (`localMediaPath`). Any other
 * media URL is shown as a link the person may choose to open and is never
 * fetched by the page (no tracking pixels, no IP address leaked on sight).
 */
import { externalHref, localMediaPath } from '../api.js';
import { formatBytes, h } from '../dom.js';
import { icon } from '../icons.js';
import { linkSegments } from '../links.js';

const LABELS = { image: 'Photo', video: 'Video', audio: 'Audio', document: 'Document' };

/** A link that opens in a new tab without telling the target who sent the person there. */
export function safeLink(href, text, testid = 'message-link') {
  return h(
    'a',
    {
      href,
      target: '_blank',
      rel: 'noopener noreferrer',
      referrerpolicy: 'no-referrer',
      'data-testid': testid,
    },
    text,
  );
}

/** Text with its http(s) links made clickable. */
export function linkedText(text) {
  return linkSegments(text).map((s) => (s.href === undefined ? s.text : safeLink(s.href, s.text)));
}

/**
 * @param {{ type: string, body?: string, url?: string, caption?: string, mime?: string, size?: number }} content
 * @param {{ mediaUrl: (path: string) => string, onMediaLoad: () => void }} deps
 *   `mediaUrl` turns a local media path into a loadable URL (with the token).
 */
export function contentNode(content, { mediaUrl, onMediaLoad }) {
  const type = content?.type;
  if (type === 'text' || LABELS[type] === undefined)
    return h(
      'p',
      { class: 'text', 'data-testid': 'message-text' },
      ...linkedText(typeof content?.body === 'string' ? content.body : 'Message'),
    );
  const path = localMediaPath(content.url);
  if (path === undefined) return externalMedia(content);
  const src = mediaUrl(path);
  const caption =
    typeof content.caption === 'string' && content.caption !== ''
      ? h('figcaption', {}, ...linkedText(content.caption))
      : null;
  if (type === 'image')
    return h(
      'figure',
      { class: 'media image' },
      h('img', {
        src,
        alt: content.caption ?? LABELS.image,
        loading: 'lazy',
        'data-testid': 'message-image',
        onload: onMediaLoad,
      }),
      caption,
    );
  if (type === 'video')
    return h(
      'figure',
      { class: 'media video' },
      h('video', {
        src,
        controls: true,
        preload: 'metadata',
        'data-testid': 'message-video',
        onloadedmetadata: onMediaLoad,
      }),
      caption,
    );
  if (type === 'audio')
    return h(
      'figure',
      { class: 'media audio' },
      h('audio', { src, controls: true, preload: 'metadata', 'data-testid': 'message-audio' }),
      caption,
    );
  const name =
    typeof content.caption === 'string' && content.caption !== '' ? content.caption : 'Document';
  const details = [
    content.mime,
    typeof content.size === 'number' ? formatBytes(content.size) : null,
  ]
    .filter(Boolean)
    .join(' · ');
  return h(
    'a',
    {
      class: 'document',
      href: src,
      download: name,
      rel: 'noopener noreferrer',
      'data-testid': 'message-document',
    },
    icon('file', 'icon document-icon'),
    h(
      'span',
      { class: 'document-text' },
      h('span', { class: 'document-name', 'data-testid': 'document-name' }, name),
      details === '' ? null : h('span', { class: 'document-details muted small' }, details),
    ),
  );
}

/** Media from elsewhere: never loaded; a link to open it if it is a web address. */
function externalMedia(content) {
  const label = LABELS[content.type];
  const href = externalHref(content.url);
  let host = '';
  if (href !== undefined) host = new URL(href).host;
  return h(
    'div',
    { class: 'external-media', 'data-testid': 'external-media' },
    h(
      'p',
      { class: 'external-note' },
      icon('shield', 'icon'),
      href === undefined
        ? `${label} with an address that is not a web link; not shown.`
        : `${label} from another site (${host}), not loaded.`,
    ),
    href === undefined ? null : safeLink(href, `Open ${href}`, 'external-media-link'),
    typeof content.caption === 'string' && content.caption !== ''
      ? h('p', { class: 'external-caption' }, ...linkedText(content.caption))
      : null,
  );
}
