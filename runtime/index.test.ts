import { describe, expect, it } from 'vitest';
import * as runtime from './index.ts';
import * as supervisor from './supervisor/index.ts';
import * as testing from './testing/index.ts';

describe('the public surface', () => {
  it('exports exactly these values from runtime/index.ts besides the supervisor (each has tests beside its module)', () => {
    const own = Object.keys(runtime).filter((k) => !(k in supervisor));
    expect(own.sort()).toEqual(
      [
        'ActorSystem',
        'AskTimeoutError',
        'Codec',
        'DEFAULT_ASK_TIMEOUT_MS',
        'DEFAULT_MAILBOX',
        'ErrorCode',
        'FairScheduler',
        'FrameTooLargeError',
        'InProcessNetwork',
        'InProcessTransport',
        'MailboxFullError',
        'NameTakenError',
        'NoProcError',
        'NodeDownError',
        'Overflow',
        'ParleyError',
        'Ref',
        'SmallMap',
        'SmallSet',
        'errorReason',
        'formatReason',
        'isNormalExit',
        'monotonicMs',
        'quote',
        'seededRandom',
        'sleep',
        'systemClock',
        'systemRandom',
      ].sort(),
    );
  });

  it('exports exactly these values from runtime/testing/index.ts', () => {
    expect(Object.keys(testing).sort()).toEqual(
      [
        'Deterministic',
        'DeterministicScheduler',
        'VirtualClock',
        'captureLogger',
        'flushMicrotasks',
        'probe',
      ].sort(),
    );
  });
});
