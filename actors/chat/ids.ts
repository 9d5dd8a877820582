/** Server-minted ids: url-safe, from the injected `Random`. */
import type { Random } from '../../runtime/index.ts';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** A group id: `g` and 20 base32 characters (100 random bits). */
export function newGroupId(random: Random): string {
  const bytes = random.bytes(20);
  let id = 'g';
  for (const b of bytes) id += ALPHABET[b & 31];
  return id;
}
