import { describe, expect, it } from 'vitest';
import { formatProgress, Progress, type ProgressUpdate } from './progress.ts';

/** A stream that records what was written. */
function sink(isTTY: boolean) {
  const writes: string[] = [];
  const out = {
    isTTY,
    write: (s: string) => writes.push(s) > 0,
  } as unknown as NodeJS.WritableStream;
  return { out, writes };
}

const at = (wallS: number, over: Partial<ProgressUpdate> = {}): ProgressUpdate => ({
  scenario: 'partition-heal',
  run: 1,
  runs: 1,
  simulatedS: wallS * 100,
  totalS: 90,
  events: wallS * 1_230_000,
  wallS,
  ...over,
});

describe('formatProgress', () => {
  it('shows simulated time over total, events per wall second and the speed ratio', () => {
    expect(formatProgress(at(0.42))).toBe(
      'partition-heal  sim 42.0/90 s  1.23M events/s  speed 100x',
    );
    expect(formatProgress(at(2, { run: 2, runs: 5, simulatedS: 85, events: 1900 }))).toBe(
      'partition-heal run 2/5  sim 85.0/90 s  950 events/s  speed 42.5x',
    );
    expect(formatProgress(at(1, { events: 12_345, simulatedS: 1.234 }))).toBe(
      'partition-heal  sim 1.2/90 s  12.3k events/s  speed 1.23x',
    );
    expect(formatProgress(at(0))).toBe('partition-heal  sim 0.0/90 s');
  });
});

describe('Progress', () => {
  it('rewrites one line in place on a terminal, at most every 0.1 s, and clears it when done', () => {
    const { out, writes } = sink(true);
    const p = new Progress(out, true);
    p.update(at(0.01));
    p.update(at(0.05));
    p.update(at(0.12));
    p.done();
    expect(writes).toStrictEqual([
      `\r${formatProgress(at(0.01))}\u001b[K`,
      `\r${formatProgress(at(0.12))}\u001b[K`,
      '\r\u001b[K',
    ]);
  });

  it('writes at most one plain line every 5 s of wall time elsewhere, adding up runs', () => {
    const { out, writes } = sink(false);
    const p = new Progress(out, true);
    p.update(at(1));
    p.update(at(4.9));
    p.update(at(5));
    p.update(at(9));
    p.update(at(0.5, { run: 2, runs: 2 })); // 9.5 s in all
    p.update(at(1.2, { run: 2, runs: 2 })); // 10.2 s in all
    p.done();
    expect(writes).toStrictEqual([
      `${formatProgress(at(5))}\n`,
      `${formatProgress(at(1.2, { run: 2, runs: 2 }))}\n`,
    ]);
  });

  it('never writes when disabled', () => {
    for (const tty of [true, false]) {
      const { out, writes } = sink(tty);
      const p = new Progress(out, false);
      for (let s = 0; s < 20; s += 0.5) p.update(at(s));
      p.done();
      expect(writes).toStrictEqual([]);
    }
  });
});
