/**
 * The HTTP side of the node: dev tokens and media. Errors are thrown as
 * `Error`s whose message is the server's JSON `message` when it sent one.
 */

/** Mints a dev token (`POST /api/v1/dev/tokens`); only on dev servers. */
export async function mintDevToken(user, device) {
  const res = await fetch('/api/v1/dev/tokens', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, device }),
  });
  const body = await readJson(res);
  if (!res.ok || typeof body.token !== 'string')
    throw new Error(body.message ?? `could not get a dev token (HTTP ${res.status})`);
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
  if (!res.ok || typeof body.url !== 'string')
    throw new Error(body.message ?? `upload failed (HTTP ${res.status})`);
  return body.url;
}

/** The URL an <img> can load: media needs the token, which <img> can only pass in the query. */
export function mediaSrc(url, token) {
  if (!url.startsWith('/api/v1/media/')) return url;
  return `${url}${url.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`;
}

async function readJson(res) {
  try {
    const body = await res.json();
    return typeof body === 'object' && body !== null ? body : {};
  } catch {
    return {};
  }
}
