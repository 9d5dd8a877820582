/**
 * The order of strings in listings (`listWake`): by Unicode code point, which
 * is the UTF-8 byte order of LMDB keys and of Cassandra `text` clustering
 * columns. JavaScript's `<` compares UTF-16 code units instead, and differs
 * from it where a character above U+FFFF meets one in U+E000..U+FFFF.
 */

/** Negative, zero or positive as `a` sorts before, with or after `b` in UTF-8 byte order. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
