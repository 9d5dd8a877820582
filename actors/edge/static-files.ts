/**
 * Static files of the web client, from one folder (`webRoot`): `GET /` is its
 * `index.html`, any other path a file under it (`/assets/...`).
 *
 * Safety: the path is percent-decoded once, then refused (404, as if absent)
 * when a segment is empty-dot, `..`, hidden (starts with `.`), or holds a
 * backslash or NUL; the joined path, and the real path after symlinks, must
 * lie inside the folder's real path. Only regular files are served.
 * `/assets/` files are taken as content-hashed (Vite's output) and cached for
 * a year; the rest are revalidated. Every file carries the web app's
 * security headers (never framed: CSP `frame-ancestors 'none'` and
 * `X-Frame-Options: DENY`; `nosniff`).
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { WEB_SECURITY_HEADERS } from './http-guards.ts';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(path: string): string {
  return CONTENT_TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export interface StaticFiles {
  /** Serves `pathname` (raw, still percent-encoded); false when there is no such file. */
  serve(pathname: string, res: ServerResponse): Promise<boolean>;
}

/** Static files under `root`, or undefined when `root` is not a folder. */
export async function staticFiles(root: string): Promise<StaticFiles | undefined> {
  let base: string;
  try {
    base = await realpath(root);
    if (!(await stat(base)).isDirectory()) return undefined;
  } catch {
    return undefined;
  }
  const inside = (p: string) => p === base || p.startsWith(base + sep);
  return {
    async serve(pathname, res) {
      const segments = safeSegments(pathname === '/' ? '/index.html' : pathname);
      if (segments === undefined) return false;
      const joined = join(base, ...segments);
      if (!inside(joined)) return false;
      let real: string;
      let size: number;
      try {
        real = await realpath(joined);
        const info = await stat(real);
        if (!info.isFile() || !inside(real)) return false;
        size = info.size;
      } catch {
        return false;
      }
      res.writeHead(200, {
        'Content-Type': contentTypeOf(real),
        'Content-Length': size,
        'Cache-Control':
          segments[0] === 'assets' ? 'public, max-age=31536000, immutable' : 'no-cache',
        ...WEB_SECURITY_HEADERS,
      });
      if (res.req.method === 'HEAD') {
        res.end();
        return true;
      }
      await new Promise<void>((resolve) => {
        const stream = createReadStream(real);
        stream.on('error', () => {
          res.destroy();
          resolve();
        });
        res.on('close', () => {
          stream.destroy();
          resolve();
        });
        stream.pipe(res);
      });
      return true;
    },
  };
}

/** The decoded segments of a URL path, or undefined when any is unsafe. */
function safeSegments(pathname: string): string[] | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || decoded.includes('\\') || decoded.includes('\0'))
    return undefined;
  const segments = decoded.slice(1).split('/');
  for (const s of segments) if (s === '' || s.startsWith('.')) return undefined;
  return segments;
}
