/**
 * Media upload and download: `POST /api/v1/media` and `GET /api/v1/media/{id}`.
 *
 * Bytes go to the `BlobStore` first, then the `MediaMeta` to the `Store`, so a
 * stored meta always has its bytes. Ids are 128 random bits, base64url: the
 * URL is a capability, so any authenticated user holding it may fetch it
 * (message content, and with it the URL, may be end-to-end encrypted; the
 * server cannot tell who the recipients are). Answers never let a browser
 * run uploaded content in our origin: `nosniff` and a sandboxing CSP.
 */
import { Buffer } from 'node:buffer';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Clock, quote, type Random } from '../../runtime/index.ts';
import type { BlobStore, Store } from '../../store/index.ts';
import type { Identity } from '../protocol/index.ts';
import { HttpError, readBody, sendJson } from './http.ts';

export const MEDIA_PATH = '/api/v1/media';
const MEDIA_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** `type/subtype` with optional parameters, printable ASCII, at most 255 chars. */
const MIME = /^[A-Za-z0-9!#$&^_.+-]+\/[A-Za-z0-9!#$&^_.+-]+(?:\s*;[\x20-\x7e]*)?$/;
const DEFAULT_MIME = 'application/octet-stream';

export interface MediaDeps {
  readonly store: Store;
  readonly blobs: BlobStore;
  readonly clock: Clock;
  readonly random: Random;
  readonly mediaBytesMax: number;
}

export async function uploadMedia(
  req: IncomingMessage,
  res: ServerResponse,
  identity: Identity,
  deps: MediaDeps,
): Promise<void> {
  const mime = mimeOf(req.headers['content-type']);
  const bytes = await readBody(req, deps.mediaBytesMax);
  const id = Buffer.from(deps.random.bytes(16)).toString('base64url');
  try {
    await deps.blobs.put(id, bytes);
    await deps.store.putMedia({
      id,
      owner: identity.user,
      mime,
      size: bytes.length,
      ts: deps.clock.now(),
    });
  } catch (err) {
    throw unavailable('could not store the upload', err);
  }
  const url = `${MEDIA_PATH}/${id}`;
  sendJson(res, 201, { url }, { Location: url });
}

export async function downloadMedia(
  res: ServerResponse,
  id: string,
  deps: MediaDeps,
): Promise<void> {
  const missing = new HttpError(404, 'not_found', `no media ${quote(id)}`);
  if (!MEDIA_ID.test(id)) throw missing;
  let bytes: Uint8Array | undefined;
  let mime: string;
  try {
    const meta = await deps.store.getMedia(id);
    if (meta === undefined) throw missing;
    mime = meta.mime;
    bytes = await deps.blobs.get(id);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw unavailable('could not read the media', err);
  }
  if (bytes === undefined) throw missing;
  res.writeHead(200, {
    'Content-Type': mime,
    'Content-Length': bytes.byteLength,
    'Cache-Control': 'private, max-age=31536000, immutable',
    'X-Content-Type-Options': 'nosniff',
    'Content-Security-Policy': "default-src 'none'; sandbox",
  });
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}

function mimeOf(header: string | undefined): string {
  if (header === undefined || header === '') return DEFAULT_MIME;
  if (header.length <= 255 && MIME.test(header)) return header;
  throw new HttpError(
    400,
    'bad_request',
    `Content-Type must be a media type such as "image/jpeg" (at most 255 chars), got ${quote(header)}`,
  );
}

function unavailable(what: string, err: unknown): HttpError {
  return new HttpError(503, 'unavailable', `${what} now; retry later`, {}, { cause: err });
}
