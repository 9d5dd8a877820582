/**
 * The wire codec for everything that crosses nodes: msgpack (msgpackr), with
 * refs as an extension type carrying only `[node, id, creation]`. Decoding a
 * ref that names the local node in its current incarnation resolves it to the
 * live cell's canonical ref, so identity, links and the local fast path work
 * for refs that made a round trip; a ref of another incarnation stays a plain
 * ref and reaches nothing.
 */
import { addExtension, Packr } from 'msgpackr';
import { type AnyRef, Ref } from './ref.ts';

/** msgpack extension type for refs (0..127 are ours). */
const REF_EXT = 0x50;

/** Resolves `node.id.creation` to a canonical ref; set per decode so one Packr serves every system. */
type Resolve = (node: string, id: number, creation: number) => AnyRef;
let resolveRef: Resolve | null = null;

addExtension({
  Class: Ref,
  type: REF_EXT,
  write(ref: AnyRef) {
    return [ref.node, ref.id, ref.creation];
  },
  read([node, id, creation = 0]: [string, number, number?]) {
    return resolveRef !== null ? resolveRef(node, id, creation) : new Ref(node, id, creation);
  },
});

export class Codec {
  private readonly packr = new Packr({
    useRecords: false,
    moreTypes: true,
    structuredClone: false,
  });

  constructor(private readonly resolve: Resolve) {}

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
