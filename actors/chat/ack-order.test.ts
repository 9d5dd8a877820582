import { describe, expect, it } from 'vitest';
import { AckOrder } from './ack-order.ts';

describe('AckOrder', () => {
  it("names each stored message's predecessor from the same device, and the same one again", () => {
    const o = new AckOrder();
    expect(o.stored('phone', 'm1')).toBeUndefined();
    expect(o.stored('phone', 'm2')).toBe('m1');
    expect(o.stored('laptop', 'x1')).toBeUndefined();
    expect(o.stored('phone', 'm3')).toBe('m2');
    expect(o.stored('phone', 'm2')).toBe('m1');
    expect(o.known('phone', 'm3')).toBe('m2');
    expect(o.known('phone', 'zz')).toBeUndefined();
  });

  it('forgets the oldest ids past its bound', () => {
    const o = new AckOrder(2);
    o.stored('d', 'a');
    o.stored('d', 'b');
    o.stored('d', 'c');
    expect(o.known('d', 'b')).toBe('a');
    expect(o.stored('d', 'a')).toBe('c');
  });
});
