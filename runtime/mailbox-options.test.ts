import { describe, expect, it } from 'vitest';
import { DEFAULT_MAILBOX, Overflow } from './behavior.ts';
import { mailboxOptionsOf } from './mailbox-options.ts';

describe('mailboxOptionsOf', () => {
  it('answers DEFAULT_MAILBOX for no options and for the defaults spelled out', () => {
    expect(mailboxOptionsOf(undefined)).toBe(DEFAULT_MAILBOX);
    expect(mailboxOptionsOf({})).toBe(DEFAULT_MAILBOX);
    expect(mailboxOptionsOf({ capacity: DEFAULT_MAILBOX.capacity })).toBe(DEFAULT_MAILBOX);
  });

  it('fills in the defaults and shares one frozen object between equal options', () => {
    const a = mailboxOptionsOf({ capacity: 10, overflow: Overflow.Crash });
    expect(a).toEqual({ capacity: 10, overflow: Overflow.Crash });
    expect(Object.isFrozen(a)).toBe(true);
    expect(mailboxOptionsOf({ capacity: 10, overflow: Overflow.Crash })).toBe(a);
    expect(mailboxOptionsOf({ capacity: 10 })).toEqual({
      capacity: 10,
      overflow: DEFAULT_MAILBOX.overflow,
    });
    expect(mailboxOptionsOf({ capacity: 10 })).not.toBe(a);
  });

  it('still merges options once the shared cache is full', () => {
    for (let i = 1; i <= 100; i++) {
      expect(mailboxOptionsOf({ capacity: 1000 + i })).toEqual({
        capacity: 1000 + i,
        overflow: DEFAULT_MAILBOX.overflow,
      });
    }
  });

  it('passes a bad capacity through for the spawn to refuse', () => {
    expect(mailboxOptionsOf({ capacity: 0 }).capacity).toBe(0);
  });
});
