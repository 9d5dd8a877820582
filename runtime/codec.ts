/**
 * The wire codec for everything that crosses nodes: msgpack (msgpackr), with
 * refs as an extension type carrying only `[node, id]`. Decoding a ref that
 * names the local node resolves it to the live cell's canonical ref, so
 * identity, links and the local fast path work for refs that made a round
 * trip.
 */
import { addExtension, Packr } from 'msgpackr';
import { type AnyRef, Ref } from './ref.ts';

/** msgpack extension type for refs (0..127 are ours). */
const REF_EXT = 0x50;

/** Resolves `node.id` to a canonical ref; set per decode so one Packr serves every system. */
let resolveRef: ((node: string, id: number) => AnyRef) | null = null;

addExtension({
  Class: Ref,
  type: REF_EXT,
  write(ref: AnyRef) {
    return [ref.node, ref.id];
  },
  read([node, id]: [string, number]) {
    return resolveRef !== null ? resolveRef(node, id) : new Ref(node, id);
  },
});

export class Codec {
  private readonly packr = new Packr({
    useRecords: false,
    moreTypes: true,
    structuredClone: false,
  });

  constructor(private readonly resolve: (node: string, id: number) => AnyRef) {}

  encode(value: unknown): Uint8Array {
    return this.packr.pack(value);
  }

  decode(bytes: Uint8Array): unknown {
    const previous = resolveRef;
    resolveRef = this.resolve;
    try {
      return this.packr.unpack(bytes);
    } finally {
      resolveRef = previous;
    }
  }
}
