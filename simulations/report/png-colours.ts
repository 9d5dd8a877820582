/**
 * Counts the colours of a PNG, for tests that must tell a drawn screenshot
 * from a blank one without an image library: parses the chunks, inflates
 * the IDAT data and undoes the row filters (PNG spec, section 9).
 *
 * Supports what Chromium's screenshots are: 8-bit RGB or RGBA, not
 * interlaced; anything else throws naming the format. It samples every 7th
 * pixel of every row and stops counting at `limit`.
 */
import { inflateSync } from 'node:zlib';
import { ErrorCode, ParleyError } from '../../runtime/index.ts';

/** Distinct RGBA colours of a PNG (8-bit RGB or RGBA, not interlaced), up to `limit`. */
export function pngColours(png: Buffer, limit = 64): number {
  const width = png.readUInt32BE(16);
  const height = png.readUInt32BE(20);
  const [depth, type, , , interlace] = png.subarray(24, 29);
  if (depth !== 8 || (type !== 2 && type !== 6) || interlace !== 0)
    throw new ParleyError(
      ErrorCode.InvalidArgument,
      `pngColours: unsupported PNG (bit depth ${depth}, colour type ${type}, interlace ${interlace}); only 8-bit RGB/RGBA, not interlaced`,
    );
  const channels = type === 6 ? 4 : 3;
  const idat: Buffer[] = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    if (png.toString('latin1', at + 4, at + 8) === 'IDAT')
      idat.push(png.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  let previous = Buffer.alloc(stride);
  const colours = new Set<string>();
  for (let row = 0; row < height && colours.size < limit; row++) {
    const filter = raw[row * (stride + 1)];
    const line = Buffer.from(raw.subarray(row * (stride + 1) + 1, (row + 1) * (stride + 1)));
    for (let i = 0; i < stride; i++) {
      const left = i >= channels ? (line[i - channels] ?? 0) : 0;
      const up = previous[i] ?? 0;
      const upLeft = i >= channels ? (previous[i - channels] ?? 0) : 0;
      const p = left + up - upLeft;
      const [pa, pb, pc] = [Math.abs(p - left), Math.abs(p - up), Math.abs(p - upLeft)];
      const predictor =
        filter === 1
          ? left
          : filter === 2
            ? up
            : filter === 3
              ? (left + up) >> 1
              : filter === 4
                ? pa <= pb && pa <= pc
                  ? left
                  : pb <= pc
                    ? up
                    : upLeft
                : 0;
      line[i] = ((line[i] ?? 0) + predictor) & 0xff;
    }
    for (let i = 0; i < stride; i += channels * 7)
      colours.add(line.subarray(i, i + channels).toString('hex'));
    previous = line;
  }
  return colours.size;
}
