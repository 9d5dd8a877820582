/**
 * The HTTP side of the node: dev tokens and media. Errors are thrown as
 * `ApiError`s whose message is the server's (`{"error":{"code","message"}}`)
 * when it sent one, else says the HTTP status.
 *
 * Media safety: only media of this server (`/api/v1/media/{id}`, this
 * origin) is ever loaded by the page (`localMediaPath`); any other URL in a
 * message is shown as a link the person may choose to open, so a sender
 * cannot make the recipient's browser fetch a tracking pixel.
 */

export class ApiError extends Error {
  /** @param {string} message @param {string | undefined} code @param {number} status */
  constructor(message, code, status) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

/** Mints a dev token (`POST /api/v1/dev/tokens`); only on dev servers. */
export async function mintDevToken(user, device) {
  const res = await fetch('/api/v1/dev/tokens', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, device }),
  });
  const body = await readJson(res);
  if (!res.ok || typeof body.token !== 'string')
    throw apiError(res, body, 'could not get a dev token');
  return body.token;
}

/** Seconds-since-epoch `exp` of a JWT, or undefined when it has none or cannot be read. */
export function tokenExpiry(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(atob(payload)).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

/** Uploads a file (`POST /api/v1/media`, body = the bytes); resolves to its URL. */
export async function uploadMedia(token, file) {
  const res = await fetch('/api/v1/media', {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': file.type || 'application/octet-stream',
    },
    body: file,
  });
  const body = await readJson(res);
  if (!res.ok || typeof body.url !== 'string') throw apiError(res, body, 'upload failed');
  return body.url;
}

const MEDIA_PATH = /^\/api\/v1\/media\/[A-Za-z0-9_-]{1,64}$/;

/**
 * The path of a media URL when it is this server's media (a relative
 * `/api/v1/media/{id}` or the same on this origin), else undefined.
 */
export function localMediaPath(url) {
  if (typeof url !== 'string') return undefined;
  let parsed;
  try {
    parsed = new URL(url, location.origin);
  } catch {
    return undefined;
  }
  if (parsed.origin !== location.origin || parsed.search !== '' || parsed.hash !== '')
    return undefined;
  return MEDIA_PATH.test(parsed.pathname) ? parsed.pathname : undefined;
}

/** The URL an <img> (or a link) can load: media needs the token, which it can only pass in the query. */
export function mediaSrc(path, token) {
  return `${path}?token=${encodeURIComponent(token)}`;
}

/** An absolute http(s) URL as a string, else undefined (javascript:, data:, relative...). */
export function externalHref(url) {
  if (typeof url !== 'string') return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

function apiError(res, body, what) {
  const error = typeof body.error === 'object' && body.error !== null ? body.error : body;
  const message =
    typeof error.message === 'string' && error.message !== ''
      ? error.message
      : `${what} (HTTP ${res.status})`;
  return new ApiError(message, typeof error.code === 'string' ? error.code : undefined, res.status);
}

async function readJson(res) {
  try {
    const body = await res.json();
    return typeof body === 'object' && body !== null ? body : {};
  } catch {
    return {};
  }
}
