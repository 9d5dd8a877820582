import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type AnyRef, Codec, Ref } from './index.ts';

const fcOptions = { seed: Number(process.env.FC_SEED), verbose: true };

const plain = () => new Codec((node, id, creation) => new Ref(node, id, creation));

describe('Codec', () => {
  it('round-trips plain data, Sets, Dates, bytes and bigints', () => {
    const codec = plain();
    const value = {
      s: 'héllo ✓',
      n: 42,
      f: 1.5,
      neg: -7,
      big: 2n ** 70n,
      t: true,
      nil: null,
      undef: undefined,
      list: [1, 'two', [3], { four: 4 }],
      set: new Set(['a', 'b']),
      at: new Date(1_700_000_000_000),
      bytes: new Uint8Array([0, 1, 255]),
    };
    expect(codec.decode(codec.encode(value))).toEqual(value);
  });

  it('round-trips any JSON value without a __proto__ key, as JSON would', () => {
    const codec = plain();
    const hasProtoKey = (v: unknown): boolean =>
      typeof v === 'object' &&
      v !== null &&
      (Object.hasOwn(v, '__proto__') || Object.values(v).some(hasProtoKey));
    fc.assert(
      fc.property(
        fc.jsonValue({ maxDepth: 4 }).filter((v) => !hasProtoKey(v)),
        (v) => {
          // As JSON does, msgpack writes -0 as 0; nothing else may change.
          expect(codec.decode(codec.encode(v))).toEqual(JSON.parse(JSON.stringify(v)));
        },
      ),
      fcOptions,
    );
  });

  it('renames a __proto__ key to __proto_ instead of letting it reach the prototype', () => {
    const codec = plain();
    const hostile = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}') as object;
    const back = codec.decode(codec.encode(hostile)) as Record<string, unknown>;
    expect(back).toEqual({ __proto_: { polluted: true }, ok: 1 });
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('writes a Map as a msgpack map, which arrives as a plain object with string keys (msgpack cannot tell them apart)', () => {
    const codec = plain();
    expect(
      codec.decode(
        codec.encode(
          new Map<unknown, string>([
            [1, 'a'],
            ['b', 'c'],
          ]),
        ),
      ),
    ).toEqual({
      '1': 'a',
      b: 'c',
    });
  });

  it('writes a ref as its node, id and creation only and reads it back as a Ref', () => {
    const codec = plain();
    const heavy = { enqueue() {}, secret: 'x'.repeat(10_000) };
    const ref = new Ref('n1', 7, 0xfedc_ba98, heavy);
    const bytes = codec.encode({ to: ref, list: [ref, new Ref('n2', 8, 5)] });
    expect(bytes.length).toBeLessThan(80);
    const back = codec.decode(bytes) as { to: AnyRef; list: AnyRef[] };
    expect(back.to).toBeInstanceOf(Ref);
    expect(back.to.node).toBe('n1');
    expect(back.to.id).toBe(7);
    expect(back.to.creation).toBe(0xfedc_ba98);
    expect(back.list[1]!.creation).toBe(5);
    expect(back.to.equals(new Ref('n1', 7, 1))).toBe(false);
    expect(back.to._cell).toBeUndefined();
    expect(back.to.equals(ref)).toBe(true);
    expect(String(back.list[1])).toBe('<n2.8>');
  });

  it('canonicalises refs through its resolver: a local ref comes back as the live ref itself', () => {
    const live = new Ref('home', 3, 9, { enqueue() {} });
    const codec = new Codec((node, id, creation) =>
      node === 'home' && id === 3 && creation === 9 ? live : new Ref(node, id, creation),
    );
    const back = codec.decode(
      codec.encode([new Ref('home', 3, 9), new Ref('home', 4, 9), new Ref('home', 3, 8)]),
    ) as AnyRef[];
    expect(back[0]).toBe(live);
    expect(back[1]).not.toBe(live);
    expect(back[1]!._cell).toBeUndefined();
    expect(back[2]).not.toBe(live);
    expect(back[2]!.creation).toBe(8);
  });

  it('uses the resolver of the codec that decodes, also when decodes nest or fail', () => {
    const outerRefs: AnyRef[] = [];
    const inner = new Codec((node, id) => new Ref(`inner:${node}`, id));
    const innerBytes = inner.encode(new Ref('x', 1));
    let nested: AnyRef | undefined;
    const outer = new Codec((node, id) => {
      if (nested === undefined) nested = inner.decode(innerBytes) as AnyRef;
      const r = new Ref(`outer:${node}`, id);
      outerRefs.push(r);
      return r;
    });
    const back = outer.decode(outer.encode([new Ref('a', 1), new Ref('b', 2)])) as AnyRef[];
    expect(String(nested)).toBe('<inner:x.1>');
    expect(back.map(String)).toEqual(['<outer:a.1>', '<outer:b.2>']);
    expect(() => outer.decode(new Uint8Array([0x92, 0x01]))).toThrow(
      'Unexpected end of MessagePack data',
    );
    expect(String(inner.decode(innerBytes))).toBe('<inner:x.1>');
  });

  it('encodes into fresh bytes each time: an earlier frame is not overwritten by a later one', () => {
    const codec = plain();
    const first = codec.encode({ n: 1, s: 'first' });
    for (let i = 0; i < 2000; i++) codec.encode({ i, pad: 'y'.repeat(100) });
    expect(codec.decode(first)).toEqual({ n: 1, s: 'first' });
  });
});
