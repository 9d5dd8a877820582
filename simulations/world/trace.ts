/**
 * The run's trace hash: every observable event of a run (bus deliveries,
 * frames between clients and nodes, store calls, faults) folded into one
 * 64-bit FNV-1a hash (two 32-bit halves). Same seed and commit, same hash;
 * a run whose hash differs from a replay's is not deterministic.
 */
export class Trace {
  private h1 = 0x811c9dc5;
  private h2 = 0x01000193 ^ 0x9e3779b9;
  events = 0;

  /** Folds `s` (and an event boundary) into the hash. */
  add(s: string): void {
    let a = this.h1;
    let b = this.h2;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
    }
    this.h1 = Math.imul(a ^ 0x1f, 0x01000193);
    this.h2 = Math.imul(b ^ (this.events & 0xffff), 0x5bd1e995);
    this.events++;
  }

  /** Folds a number in. */
  num(n: number): void {
    this.add(String(n));
  }

  hex(): string {
    return (
      (this.h1 >>> 0).toString(16).padStart(8, '0') + (this.h2 >>> 0).toString(16).padStart(8, '0')
    );
  }
}
