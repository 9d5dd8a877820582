/**
 * What a file becomes in a message: its protocol content type by its media
 * type (`image/*` → `image`, `video/*` → `video`, `audio/*` → `audio`,
 * anything else → `document`), with `mime`, `size`, and for documents the
 * file's name as the caption (the protocol has no name field; the caption
 * is what a recipient sees on the card).
 */

const CAPTION_MAX = 1024;

/** The content type a file is sent as. */
export function contentTypeOf(file) {
  const mime = typeof file.type === 'string' ? file.type.toLowerCase() : '';
  if (/^image\/(png|jpeg|gif|webp|avif|bmp)$/.test(mime)) return 'image';
  if (mime.startsWith('video/')) return 'video';
  if (mime.startsWith('audio/')) return 'audio';
  return 'document';
}

/** The message content for `file` uploaded to `url`. */
export function attachmentContent(file, url) {
  const type = contentTypeOf(file);
  const content = { type, url, size: file.size };
  if (file.type) content.mime = file.type;
  if (type === 'document' && typeof file.name === 'string' && file.name !== '')
    content.caption = file.name.slice(0, CAPTION_MAX);
  return content;
}
