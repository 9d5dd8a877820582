/**
 * The node's VAPID key pair (RFC 8292): what push services check our pushes
 * against, and the `applicationServerKey` browsers subscribe with. Every node
 * of a cluster needs the same pair (a subscription is bound to one key).
 *
 * `PARLEY_VAPID_PUBLIC_KEY` + `PARLEY_VAPID_PRIVATE_KEY` when given (both or
 * neither); else `<dataDir>/vapid.json`, made once (mode 0600) and read on
 * later starts. Keys are base64url: the public one an uncompressed P-256
 * point (65 bytes), the private one 32 bytes.
 */
import { Buffer } from 'node:buffer';
import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import webpush from 'web-push';
import { ErrorCode, ParleyError, quote } from '../../runtime/index.ts';

export interface VapidKeys {
  readonly publicKey: string;
  readonly privateKey: string;
  /** `mailto:` or `https:` contact of the operator, sent to push services. */
  readonly subject: string;
}

export const VAPID_SUBJECT_DEFAULT = 'mailto:parley@localhost';
export const VAPID_FILE = 'vapid.json';

/** Checks a key pair and subject; throws `invalid_argument` naming the bad one. */
export function checkVapidKeys(keys: VapidKeys): VapidKeys {
  const pub = Buffer.from(keys.publicKey ?? '', 'base64url');
  if (!/^[A-Za-z0-9_-]+$/.test(keys.publicKey ?? '') || pub.length !== 65 || pub[0] !== 4)
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `the VAPID public key must be a base64url uncompressed P-256 point (65 bytes), got ${quote(keys.publicKey)}`,
    );
  if (
    !/^[A-Za-z0-9_-]+$/.test(keys.privateKey ?? '') ||
    Buffer.from(keys.privateKey, 'base64url').length !== 32
  )
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      'the VAPID private key must be 32 bytes, base64url (the value is not shown)',
    );
  if (!/^(mailto:|https:)/.test(keys.subject))
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `the VAPID subject must be a mailto: or https: URL, got ${quote(keys.subject)}`,
    );
  return keys;
}

/** The given pair, else the one kept in `dataDir` (made on first use). */
export function loadVapidKeys(options: {
  readonly dataDir: string;
  readonly publicKey?: string;
  readonly privateKey?: string;
  readonly subject?: string;
}): VapidKeys {
  const subject = options.subject ?? VAPID_SUBJECT_DEFAULT;
  if (options.publicKey !== undefined || options.privateKey !== undefined) {
    if (options.publicKey === undefined || options.privateKey === undefined)
      throw new ParleyError(
        ErrorCode.InvalidArgument,
        'PARLEY_VAPID_PUBLIC_KEY and PARLEY_VAPID_PRIVATE_KEY go together: set both or neither',
      );
    return checkVapidKeys({
      publicKey: options.publicKey,
      privateKey: options.privateKey,
      subject,
    });
  }
  const path = join(options.dataDir, VAPID_FILE);
  let text: string | undefined;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text === undefined) {
    const made = webpush.generateVAPIDKeys();
    // Written whole under a private name, then linked into place: a process
    // reading the file never sees half of it, and of two racing makers one wins.
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(made)}\n`, { mode: 0o600 });
    try {
      linkSync(tmp, path);
      text = JSON.stringify(made);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      text = readFileSync(path, 'utf8');
    } finally {
      unlinkSync(tmp);
    }
  }
  let kept: { publicKey?: string; privateKey?: string };
  try {
    kept = JSON.parse(text) as typeof kept;
  } catch {
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `${path} is not JSON; delete it to make a new key pair`,
    );
  }
  return checkVapidKeys({
    publicKey: kept.publicKey ?? '',
    privateKey: kept.privateKey ?? '',
    subject,
  });
}
