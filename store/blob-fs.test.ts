/**
 * The filesystem blob store: round trips, replacement, missing blobs, id
 * validation (no path ever leaves the directory), size bound, no leftovers.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ParleyError, quote } from '../runtime/index.ts';
import { openFsBlobStore } from './blob-fs.ts';

const root = await mkdtemp(join(tmpdir(), 'parley-blobs-'));
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function invalid(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ParleyError);
  expect((err as ParleyError).code).toBe('invalid_argument');
  return (err as ParleyError).message;
}

describe('fs blob store', () => {
  it('returns the bytes put under an id, and undefined for an id never put', async () => {
    const blobs = await openFsBlobStore({ dir: join(root, 'a') });
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => i % 251);
    await blobs.put('media_01-AB', bytes);
    expect(await blobs.get('media_01-AB')).toEqual(bytes);
    expect(await blobs.get('media_02')).toBeUndefined();
    await blobs.put('empty', new Uint8Array());
    expect(await blobs.get('empty')).toEqual(new Uint8Array());
  });

  it('a second put of an id replaces the blob, and leaves no temporary file', async () => {
    const dir = join(root, 'b');
    const blobs = await openFsBlobStore({ dir });
    await blobs.put('m1', Uint8Array.of(1, 2, 3));
    await blobs.put('m1', Uint8Array.of(9));
    expect(await blobs.get('m1')).toEqual(Uint8Array.of(9));
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
  });

  it('refuses ids that could name a path outside the directory', async () => {
    const blobs = await openFsBlobStore({ dir: join(root, 'c') });
    for (const id of [
      '../escape',
      '..',
      '.',
      'a/b',
      '/etc/passwd',
      'a\\b',
      '',
      'x'.repeat(129),
      'a.b',
      'nul\u0000',
    ])
      expect(await invalid(blobs.put(id, Uint8Array.of(1)))).toBe(
        `invalid blob id ${quote(id)}: must be 1 to 128 characters from [A-Za-z0-9_-]`,
      );
    expect(await invalid(blobs.get('../../etc/passwd'))).toBe(
      'invalid blob id "../../etc/passwd": must be 1 to 128 characters from [A-Za-z0-9_-]',
    );
  });

  it('refuses a blob larger than maxBytes', async () => {
    const blobs = await openFsBlobStore({ dir: join(root, 'd'), maxBytes: 4 });
    expect(await invalid(blobs.put('big', new Uint8Array(5)))).toBe(
      'invalid bytes.length 5: must be at most 4',
    );
    await blobs.put('small', new Uint8Array(4));
    expect(await blobs.get('small')).toHaveLength(4);
  });
});
