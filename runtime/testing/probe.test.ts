import { describe, expect, it } from 'vitest';
import { captureLogger, Deterministic, flushMicrotasks, probe } from './index.ts';

describe('probe', () => {
  it('records messages, downs and trapped exits, and can be named', async () => {
    const d = new Deterministic(1);
    const sys = d.system({ node: 'n1' });
    const target = sys.spawn({ receive: () => undefined });
    const p = probe<string>(sys, { trapExit: true, name: 'p' });
    expect(sys.whereis('p')).toBe(p.ref);
    const cell = sys.localCell(p.ref)!;
    cell.monitor(target);
    cell.link(target);
    sys.send(p.ref, 'hello');
    sys.exit(target, 'kill');
    await d.settle();
    expect(p.messages).toEqual(['hello']);
    expect(p.downs.map((x) => x.reason)).toEqual(['killed']);
    expect(p.exits.map((x) => x.reason)).toEqual(['killed']);
    expect(cell.describe().behavior).toBe('probe');
  });

  it('does not trap exits by default', async () => {
    const d = new Deterministic(1);
    const sys = d.system();
    const p = probe(sys);
    sys.exit(p.ref, 'shutdown');
    await d.settle();
    expect(sys.isAlive(p.ref)).toBe(false);
  });
});

describe('captureLogger', () => {
  it('keeps every line at or above its level, parsed', () => {
    const { logger, lines } = captureLogger('info');
    logger.debug('hidden');
    logger.info({ a: 1 }, 'shown');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 30, a: 1, msg: 'shown' });
    const all = captureLogger();
    all.logger.debug('debug is the default');
    expect(all.lines).toHaveLength(1);
  });
});

describe('flushMicrotasks', () => {
  it('resolves after pending promise callbacks have run', async () => {
    const order: string[] = [];
    void Promise.resolve()
      .then(() => order.push('one'))
      .then(() => order.push('two'));
    await flushMicrotasks();
    expect(order).toEqual(['one', 'two']);
  });
});
