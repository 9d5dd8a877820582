/**
 * Pieces several views draw: avatars, message previews, ticks.
 */
import { h } from '../dom.js';
import { icon } from '../icons.js';

const AVATAR_HUES = 12;

/** A round avatar with the first letter of `name`, its colour stable per name. */
export function avatar(name, { group = false, small = false } = {}) {
  let hash = 0;
  for (const ch of name) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  const hue = Math.round(((hash % AVATAR_HUES) * 360) / AVATAR_HUES);
  const el = h(
    'span',
    {
      class: `avatar${group ? ' avatar-group' : ''}${small ? ' avatar-small' : ''}`,
      'aria-hidden': 'true',
    },
    (name[0] ?? '?').toUpperCase(),
  );
  // Through the CSSOM, not a style attribute: a strict CSP (no inline styles) allows it.
  el.style.setProperty('--avatar-hue', String(hue));
  return el;
}

/** One line of text standing for a message's content. */
export function previewText(content) {
  if (content?.type === 'text') return typeof content.body === 'string' ? content.body : 'Message';
  const labels = {
    image: 'Photo',
    video: 'Video',
    audio: 'Audio',
    document: 'Document',
  };
  return typeof content?.caption === 'string' && content.caption !== ''
    ? `${labels[content.type] ?? 'Message'}: ${content.caption}`
    : (labels[content?.type] ?? 'Message');
}

const TICK_LABELS = {
  pending: 'Sending',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
};

/** The status mark of an own message: a clock pending, ✓ sent, ✓✓ delivered, blue ✓✓ read, ⚠ failed. */
export function tick(message) {
  if (message.failed)
    return h(
      'span',
      {
        class: 'tick tick-failed',
        'data-testid': 'message-tick',
        'data-status': 'failed',
        role: 'img',
        'aria-label': `Not sent: ${message.failed}`,
        title: message.failed,
      },
      icon('alert'),
    );
  const status = message.status;
  const glyph = icon(status === 'pending' ? 'clock' : status === 'sent' ? 'check' : 'checks');
  return h(
    'span',
    {
      class: `tick tick-${status}`,
      'data-testid': 'message-tick',
      'data-status': status,
      role: 'img',
      'aria-label': TICK_LABELS[status],
      title: TICK_LABELS[status],
    },
    glyph,
  );
}
