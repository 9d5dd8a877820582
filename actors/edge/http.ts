/**
 * HTTP plumbing for the edge's routes: JSON answers, errors as
 * `{"error":{"code","message"}}`, bounded body reading, and token
 * authentication of a request.
 */
import { Buffer } from 'node:buffer';
import { type IncomingMessage, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { type AuthResult, authenticateRequest, type TokenVerifier } from '../protocol/index.ts';

/** Codes of HTTP error bodies. */
export const HttpErrorCode = {
  BadRequest: 'bad_request',
  Unauthorized: 'unauthorized',
  Forbidden: 'forbidden',
  NotFound: 'not_found',
  MethodNotAllowed: 'method_not_allowed',
  TooLarge: 'too_large',
  UnsupportedMediaType: 'unsupported_media_type',
  UpgradeRequired: 'upgrade_required',
  Unavailable: 'unavailable',
  Internal: 'internal',
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/** A refusal on its way to becoming an HTTP answer. */
export class HttpError extends Error {
  override readonly name = 'HttpError';
  constructor(
    readonly status: number,
    readonly code: HttpErrorCode,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function errorBody(code: string, message: string): string {
  return JSON.stringify({ error: { code, message } });
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

export function sendError(res: ServerResponse, error: HttpError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = errorBody(error.code, error.message);
  res.writeHead(error.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...error.headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

/** Answers an upgrade request on the raw socket (no WebSocket is opened) and closes it. */
export function refuseUpgrade(socket: Duplex, error: HttpError): void {
  if (socket.destroyed) return;
  const body = errorBody(error.code, error.message);
  const head = [
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status] ?? 'Error'}`,
    'Connection: close',
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...Object.entries(error.headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}

/**
 * Reads a request body of at most `maxBytes`. Past it (by `Content-Length`
 * up front, or while streaming) rejects with 413 and stops keeping bytes; the
 * rest is drained and the connection closed after the answer.
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const tooLarge = () =>
    new HttpError(
      413,
      'too_large',
      `request body is over ${maxBytes} bytes; the limit is ${maxBytes}`,
      {
        Connection: 'close',
      },
    );
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) {
    req.resume();
    return Promise.reject(tooLarge());
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      if (over) return;
      size += chunk.length;
      if (size > maxBytes) {
        over = true;
        chunks.length = 0;
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!over) resolve(Buffer.concat(chunks, size));
    });
    req.on('error', (err) => {
      if (!over)
        reject(new HttpError(400, 'bad_request', `could not read the body: ${err.message}`));
    });
  });
}

/** Authenticates a request by `Authorization: Bearer` or `?token=`; 401 (503 when keys are unreachable). */
export async function authenticate(
  req: IncomingMessage,
  verifier: TokenVerifier,
  onFailure?: (reason: string) => void,
): Promise<Extract<AuthResult, { ok: true }>['identity']> {
  const result = await authenticateRequest(req, verifier);
  if (result.ok) return result.identity;
  onFailure?.(result.error.reason);
  throw authError(result);
}

export function authError(result: Extract<AuthResult, { ok: false }>): HttpError {
  const { reason, message } = result.error;
  if (reason === 'unavailable') return new HttpError(503, 'unavailable', message);
  return new HttpError(401, 'unauthorized', message, {
    'WWW-Authenticate': reason === 'missing' ? 'Bearer' : 'Bearer error="invalid_token"',
  });
}

/** The path of a request URL (`/` when it has none), without the query. */
export function pathOf(url: string | undefined): string {
  const raw = url ?? '/';
  const q = raw.indexOf('?');
  return q < 0 ? raw : raw.slice(0, q);
}
