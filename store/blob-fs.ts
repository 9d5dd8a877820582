/**
 * `FsBlobStore`: media bytes as files, one per blob id, under a directory.
 *
 * - Ids are validated before any path is built: 1 to 128 characters from
 *   `[A-Za-z0-9_-]` (no dot, no slash), so an id can never name a path
 *   outside the directory (`../x`, `/etc/passwd`, `a/b` are refused with
 *   `invalid_argument`).
 * - Files live at `<dir>/<first two chars of id>/<id>`, so no directory grows
 *   past a few thousand entries.
 * - `put` is atomic and durable: the bytes go to a temporary file in
 *   `<dir>/tmp/`, which is fsynced, renamed over the final name (atomic on
 *   POSIX), and the parent directory is fsynced. A reader sees the old blob or
 *   the new one, never a part; a crash leaves at most a stray temporary file.
 *   `put` of an existing id replaces it.
 * - Sizes are bounded by `maxBytes` (default 100 MiB).
 * - Failures of the filesystem are `unavailable`.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { quote } from '../runtime/index.ts';
import type { BlobStore } from './contract.ts';
import { invalidArgument, unavailable } from './errors.ts';

export interface FsBlobStoreOptions {
  /** Directory of the blobs (created if missing). */
  readonly dir: string;
  /** Largest blob accepted; default 100 MiB. */
  readonly maxBytes?: number;
}

export const BLOB_MAX_BYTES_DEFAULT = 100 * 1024 * 1024;
const ID_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;

export function checkBlobId(id: unknown): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id))
    throw invalidArgument('blob id', id, 'must be 1 to 128 characters from [A-Za-z0-9_-]');
  return id;
}

export class FsBlobStore implements BlobStore {
  private tmpCounter = 0;

  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  async put(id: string, bytes: Uint8Array): Promise<void> {
    checkBlobId(id);
    if (!(bytes instanceof Uint8Array))
      throw invalidArgument('bytes', typeof bytes, 'must be a Uint8Array');
    if (bytes.length > this.maxBytes)
      throw invalidArgument('bytes.length', bytes.length, `must be at most ${this.maxBytes}`);
    const shard = join(this.dir, id.slice(0, 2));
    this.tmpCounter += 1;
    const tmp = join(this.dir, 'tmp', `${id}.${process.pid}.${this.tmpCounter}`);
    try {
      await mkdir(shard, { recursive: true });
      const file = await open(tmp, 'w');
      try {
        await file.writeFile(bytes);
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(tmp, join(shard, id));
      await syncDir(shard);
    } catch (err) {
      await rm(tmp, { force: true }).catch(() => {});
      throw unavailable(`blob put(${quote(id)})`, describe(err), err);
    }
  }

  async get(id: string): Promise<Uint8Array | undefined> {
    checkBlobId(id);
    try {
      return new Uint8Array(await readFile(join(this.dir, id.slice(0, 2), id)));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw unavailable(`blob get(${quote(id)})`, describe(err), err);
    }
  }
}

/** Opens (creating) a blob directory. */
export async function openFsBlobStore(options: FsBlobStoreOptions): Promise<FsBlobStore> {
  const { dir } = options;
  if (typeof dir !== 'string' || dir.length === 0)
    throw invalidArgument('dir', dir, 'must be a non-empty directory path');
  const maxBytes = options.maxBytes ?? BLOB_MAX_BYTES_DEFAULT;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0)
    throw invalidArgument('maxBytes', maxBytes, 'must be a safe integer >= 0');
  try {
    await mkdir(join(dir, 'tmp'), { recursive: true });
  } catch (err) {
    throw unavailable(`openFsBlobStore(${quote(dir)})`, describe(err), err);
  }
  return new FsBlobStore(dir, maxBytes);
}

async function syncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
