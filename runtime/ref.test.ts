import { describe, expect, it } from 'vitest';
import { Ref } from './index.ts';

describe('Ref', () => {
  it('prints as <node.id> and keys as node.id.creation', () => {
    const ref = new Ref('n1', 42, 7);
    expect(String(ref)).toBe('<n1.42>');
    expect(ref.key).toBe('n1.42.7');
    expect(new Ref('n1', 42).key).toBe('n1.42.0');
  });

  it('writes only node, id and creation to JSON, never the cached cell', () => {
    const ref = new Ref('n1', 3, 9, { enqueue() {} });
    expect(JSON.stringify(ref)).toBe('{"node":"n1","id":3,"creation":9}');
    expect(JSON.stringify({ to: ref })).toBe('{"to":{"node":"n1","id":3,"creation":9}}');
  });

  it('equals another ref with the same node, id and creation, cached cell or not', () => {
    const a = new Ref('n1', 1, 5, { enqueue() {} });
    expect(a.equals(new Ref('n1', 1, 5))).toBe(true);
    expect(a.equals(new Ref('n2', 1, 5))).toBe(false);
    expect(a.equals(new Ref('n1', 2, 5))).toBe(false);
    expect(a.equals(new Ref('n1', 1, 6))).toBe(false);
    expect(a.key).not.toBe(new Ref('n1', 1, 6).key);
  });
});
