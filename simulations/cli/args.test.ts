import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../runtime/index.ts';
import {
  parseSimArgs,
  replayCommand,
  SIM_USAGE,
  shellQuote,
  UsageError,
  wantsHelp,
} from './args.ts';

function usage(argv: string[]): string {
  try {
    parseSimArgs(argv);
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    expect((e as UsageError).code).toBe(ErrorCode.InvalidArgument);
    expect((e as Error).message).not.toContain('\n');
    return (e as Error).message;
  }
  throw new Error('accepted');
}

/** The words a POSIX shell makes of `command` (it runs `sh`, which prints them NUL-separated). */
function shellWords(command: string): string[] {
  const out = execFileSync('sh', ['-c', `printf '%s\\0' ${command}`], { encoding: 'utf8' });
  return out.split('\0').slice(0, -1);
}

describe('parseSimArgs', () => {
  it('takes the scenario alone with defaults', () => {
    expect(parseSimArgs(['simulations/scenarios/drain.yaml'])).toStrictEqual({
      scenario: 'simulations/scenarios/drain.yaml',
      runs: 1,
      sweeps: {},
      json: false,
      quiet: false,
      shrink: true,
    });
  });

  it('takes every option, in either --name value or --name=value form', () => {
    expect(
      parseSimArgs([
        '--seed',
        '0xFF',
        'x.yaml',
        '--runs=3',
        '--sweep',
        'users.count=100,1000',
        '--sweep=faults[0].duration=5,7.5',
        '--sweep',
        'clients.reconnect.jitter=true,false',
        '--sweep',
        'faults[0].shape=split,isolate,1e3,0x10',
        '--out',
        'out/dir',
        '--json',
        '--quiet',
        '--no-shrink',
        '--timeline-user',
        'u7',
      ]),
    ).toStrictEqual({
      scenario: 'x.yaml',
      seed: 255,
      runs: 3,
      sweeps: {
        'users.count': [100, 1000],
        'faults[0].duration': [5, 7.5],
        'clients.reconnect.jitter': [true, false],
        'faults[0].shape': ['split', 'isolate', 1000, 16],
      },
      out: 'out/dir',
      json: true,
      quiet: true,
      shrink: false,
      timelineUser: 'u7',
    });
    expect(parseSimArgs(['--seed', '4294967295', 'x.yaml']).seed).toBe(4294967295);
    expect(parseSimArgs(['--seed', '0', '--', '--odd.yaml']).scenario).toBe('--odd.yaml');
  });

  it('refuses bad seeds, runs and sweeps with one-line messages', () => {
    expect(usage(['x.yaml', '--seed', '4294967296'])).toBe(
      '--seed: expected a 32-bit unsigned integer (decimal or 0x hex), got "4294967296"',
    );
    expect(usage(['x.yaml', '--seed', '-1'])).toBe(
      '--seed: expected a 32-bit unsigned integer (decimal or 0x hex), got "-1"',
    );
    expect(usage(['x.yaml', '--seed', '1.5'])).toBe(
      '--seed: expected a 32-bit unsigned integer (decimal or 0x hex), got "1.5"',
    );
    expect(usage(['x.yaml', '--seed', '0x1ffffffff'])).toBe(
      '--seed: expected a 32-bit unsigned integer (decimal or 0x hex), got "0x1ffffffff"',
    );
    expect(usage(['x.yaml', '--runs', '0'])).toBe(
      '--runs: expected an integer in 1..10000, got "0"',
    );
    expect(usage(['x.yaml', '--runs', 'many'])).toBe(
      '--runs: expected an integer in 1..10000, got "many"',
    );
    expect(usage(['x.yaml', '--sweep', 'users.count'])).toBe(
      '--sweep: expected PATH=A,B,C (e.g. users.count=100,1000), got "users.count"',
    );
    expect(usage(['x.yaml', '--sweep', 'users.count=1,,2'])).toBe(
      '--sweep: expected PATH=A,B,C (e.g. users.count=100,1000), got "users.count=1,,2"',
    );
    expect(usage(['x.yaml', '--sweep', 'a=1', '--sweep', 'a=2'])).toBe(
      '--sweep a given twice; list its values once: a=a,b,c',
    );
  });

  it('refuses unknown options (with a suggestion), missing values and extra words', () => {
    expect(usage(['x.yaml', '--sed', '1'])).toBe('unknown option "--sed"; did you mean --seed?');
    expect(usage(['x.yaml', '--frobnicate'])).toBe('unknown option "--frobnicate"');
    expect(usage(['x.yaml', '--seed'])).toBe('--seed needs a value');
    expect(usage(['x.yaml', '--json=yes'])).toBe('--json takes no value, got "yes"');
    expect(usage(['x.yaml', '--seed', '1', '--seed', '2'])).toBe('--seed given twice');
    expect(usage([])).toBe('missing SCENARIO (a scenario file)');
    expect(usage(['a.yaml', 'b.yaml'])).toBe('expected one SCENARIO, got 2: "a.yaml" "b.yaml"');
    expect(usage(['x.yaml', '--out='])).toBe('--out needs a directory, got ""');
  });

  it('has a usage text naming every option, and sees --help', () => {
    for (const option of [
      '--seed',
      '--runs',
      '--sweep',
      '--out',
      '--json',
      '--quiet',
      '--no-shrink',
      '--timeline-user',
    ]) {
      expect(SIM_USAGE).toContain(option);
    }
    expect(wantsHelp(['x.yaml', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['x.yaml'])).toBe(false);
  });
});

describe('replayCommand', () => {
  it('prints the exact command, quoting only what the shell would change', () => {
    expect(replayCommand('simulations/scenarios/x.yaml', 123, { 'users.count': 100 })).toBe(
      'npm run sim -- simulations/scenarios/x.yaml --seed 123 --sweep users.count=100',
    );
    expect(
      replayCommand("my scenarios/it's.yaml", 0, {
        'faults[0].duration': 2.5,
        'clients.reconnect.jitter': false,
      }),
    ).toBe(
      "npm run sim -- 'my scenarios/it'\\''s.yaml' --seed 0 --sweep 'faults[0].duration=2.5' --sweep clients.reconnect.jitter=false",
    );
    expect(shellQuote('$HOME')).toBe("'$HOME'");
    expect(shellQuote('')).toBe("''");
  });

  it('reads back through parseSimArgs to the same scenario, seed and parameters', () => {
    const params = {
      'users.count': 1000,
      'faults[1].shape': 'split',
      'network.dropRate': 0.05,
      'x.y': true,
    };
    const command = replayCommand("a b/c'd.yaml", 0xdeadbeef, params);
    const words = shellWords(command);
    expect(words.slice(0, 4)).toStrictEqual(['npm', 'run', 'sim', '--']);
    const args = parseSimArgs(words.slice(4));
    expect(args.scenario).toBe("a b/c'd.yaml");
    expect(args.seed).toBe(0xdeadbeef);
    expect(args.sweeps).toStrictEqual(
      Object.fromEntries(Object.entries(params).map(([k, v]) => [k, [v]])),
    );
  });
});
