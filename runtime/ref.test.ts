import { describe, expect, it } from 'vitest';
import { Ref } from './index.ts';

describe('Ref', () => {
  it('prints as <node.id> and keys as node.id', () => {
    const ref = new Ref('n1', 42);
    expect(String(ref)).toBe('<n1.42>');
    expect(ref.key).toBe('n1.42');
  });

  it('writes only node and id to JSON, never the cached cell', () => {
    const ref = new Ref('n1', 3, { enqueue() {} });
    expect(JSON.stringify(ref)).toBe('{"node":"n1","id":3}');
    expect(JSON.stringify({ to: ref })).toBe('{"to":{"node":"n1","id":3}}');
  });

  it('equals another ref with the same node and id, cached cell or not', () => {
    const a = new Ref('n1', 1, { enqueue() {} });
    expect(a.equals(new Ref('n1', 1))).toBe(true);
    expect(a.equals(new Ref('n2', 1))).toBe(false);
    expect(a.equals(new Ref('n1', 2))).toBe(false);
  });
});
