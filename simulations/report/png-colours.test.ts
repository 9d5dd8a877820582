/**
 * pngColours: a gradient has many colours, a flat image one, and a format
 * it cannot read is refused with its bit depth and colour type.
 */
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ParleyError } from '../../runtime/index.ts';
import { pngColours } from './png-colours.ts';

/** An 8-bit RGB PNG of `width` x `height` whose pixel (x, y) is `colour(x, y)`, rows with filter `filter` over zero deltas when flat. */
function png(
  width: number,
  height: number,
  colour: (x: number, y: number) => [number, number, number],
): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) raw.set(colour(x, y), y * (width * 3 + 1) + 1 + x * 3);
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const gradient = (x: number, y: number): [number, number, number] => [x * 4, 128, y * 4];

describe('pngColours', () => {
  it('counts the colours of a gradient, capped at the limit', () => {
    expect(pngColours(png(64, 64, gradient), 1000)).toBeGreaterThan(50);
    expect(pngColours(png(64, 64, gradient), 10)).toBe(10);
  });

  it('finds one colour in a flat image', () => {
    expect(pngColours(png(16, 16, () => [200, 10, 10]))).toBe(1);
    // Rows filtered "up" (type 2) with zero deltas are the row above: still one colour.
    const flat = png(16, 16, () => [0, 0, 0]);
    const raw = Buffer.alloc((16 * 3 + 1) * 16);
    for (let row = 1; row < 16; row++) raw[row * (16 * 3 + 1)] = 2;
    const data = deflateSync(raw);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const idat = Buffer.concat([length, Buffer.from('IDAT'), data, Buffer.alloc(4)]);
    const end = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44, 0, 0, 0, 0]);
    expect(pngColours(Buffer.concat([flat.subarray(0, 33), idat, end]))).toBe(1);
  });

  it('refuses a PNG that is not 8-bit RGB or RGBA', () => {
    const grey = Buffer.from(png(4, 4, gradient));
    grey[25] = 0;
    expect(() => pngColours(grey)).toThrow(ParleyError);
    expect(() => pngColours(grey)).toThrow(
      'pngColours: unsupported PNG (bit depth 8, colour type 0, interlace 0); only 8-bit RGB/RGBA, not interlaced',
    );
  });
});
