import { describe, expect, test } from 'vitest';
import { judge } from './chat-verdict.ts';

const run = (achieved: number, p99Ms: number, errors: Record<string, number> = {}) => ({
  rate: 1000,
  achievedSentPerS: achieved,
  errors,
  sendToSent: { p99Ms },
});

describe('judge', () => {
  test('passes a step that kept up within the bound', () => {
    expect(judge(run(950, 100), 100)).toEqual({ keepsUp: true, pass: true, why: 'ok' });
  });

  test('a step below 95 % of offered does not keep up', () => {
    expect(judge(run(949, 10), 100)).toEqual({
      keepsUp: false,
      pass: false,
      why: 'achieved 949 < 0.95 × offered',
    });
  });

  test('any error but a clean close fails the step', () => {
    expect(judge(run(1000, 10, { close_1000: 3 }), 100).pass).toBe(true);
    expect(judge(run(1000, 10, { timeout_sent: 1 }), 100)).toEqual({
      keepsUp: false,
      pass: false,
      why: 'errors {"timeout_sent":1}',
    });
  });

  test('over the p99 bound it keeps up but does not pass', () => {
    expect(judge(run(1000, 100.5), 100)).toEqual({
      keepsUp: true,
      pass: false,
      why: 'p99 send→sent 100.5 ms > 100 ms',
    });
  });
});
