/**
 * The simulator's command line:
 *
 *   npm run sim -- SCENARIO [--seed N] [--runs K] [--sweep param=a,b,c]...
 *                  [--out DIR] [--json] [--quiet] [--no-shrink] [--timeline-user U]
 *
 * `--name value` and `--name=value` are both accepted. `--seed` is decimal or
 * `0x` hex, a 32-bit unsigned integer; `--runs` 1..10000 (default 1: run K
 * uses seed + K - 1); `--sweep` may repeat, once per path; its values are
 * numbers or booleans when they look like them (`1e3`, `0x10`, `true`), else
 * strings. Any mistake is a `UsageError` with a one-line message; print
 * `SIM_USAGE` after it. `replayCommand` prints the command that replays one
 * run, each word shell-quoted when needed, so that `parseSimArgs` of that
 * command's words gives the same scenario, seed and parameters back.
 */
import { ErrorCode, ParleyError, quote } from '../../runtime/index.ts';
import { didYouMean } from '../scenario/index.ts';

export type SimValue = number | string | boolean;

export interface SimArgs {
  readonly scenario: string;
  readonly seed?: number;
  readonly runs: number;
  readonly sweeps: Record<string, SimValue[]>;
  readonly out?: string;
  readonly json: boolean;
  readonly quiet: boolean;
  readonly shrink: boolean;
  readonly timelineUser?: string;
}

export class UsageError extends ParleyError {
  override readonly name = 'UsageError';
  constructor(message: string) {
    super(ErrorCode.InvalidArgument, message);
  }
}

export const SIM_USAGE = `usage: npm run sim -- SCENARIO [options]

  SCENARIO               a scenario file, e.g. simulations/scenarios/partition-heal.yaml
  --seed N               seed of the first run (decimal or 0x hex, 0..4294967295); default: the scenario's
  --runs K               runs with seeds N, N+1, ... N+K-1 (default 1, at most 10000)
  --sweep PATH=A,B,C     run each value of a scenario field (repeatable: the cartesian product),
                         e.g. --sweep users.count=100,1000 --sweep 'faults[0].duration=5,10'
  --out DIR              write results.json, the time series CSV and report.html to DIR
  --json                 one JSON line per run on stdout
  --quiet                no progress line
  --no-shrink            do not shrink a failing run to a minimal scenario
  --timeline-user U      the user whose messages the report's timeline shows`;

const RUNS_MAX = 10_000;
const VALUE_OPTIONS = ['--seed', '--runs', '--sweep', '--out', '--timeline-user'];
const FLAGS = ['--json', '--quiet', '--no-shrink'];

/** True when the user asked for help (`-h`, `--help`): print `SIM_USAGE` instead of running. */
export const wantsHelp = (argv: readonly string[]): boolean =>
  argv.includes('-h') || argv.includes('--help');

export function parseSimArgs(argv: readonly string[]): SimArgs {
  const positional: string[] = [];
  const sweeps: Record<string, SimValue[]> = {};
  const seen = new Set<string>();
  let seed: number | undefined;
  let runs = 1;
  let out: string | undefined;
  let timelineUser: string | undefined;
  const flags = { json: false, quiet: false, shrink: true };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    const eq = arg.indexOf('=');
    const name = eq === -1 ? arg : arg.slice(0, eq);
    if (FLAGS.includes(name)) {
      if (eq !== -1)
        throw new UsageError(`${name} takes no value, got ${quote(arg.slice(eq + 1))}`);
      if (name === '--json') flags.json = true;
      else if (name === '--quiet') flags.quiet = true;
      else flags.shrink = false;
      continue;
    }
    if (!VALUE_OPTIONS.includes(name)) {
      const close = didYouMean(name, [...VALUE_OPTIONS, ...FLAGS]);
      throw new UsageError(
        `unknown option ${quote(name)}${close === undefined ? '' : `; did you mean ${close}?`}`,
      );
    }
    let value: string;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`${name} needs a value`);
      value = next;
      i++;
    }
    if (name !== '--sweep') {
      if (seen.has(name)) throw new UsageError(`${name} given twice`);
      seen.add(name);
    }
    switch (name) {
      case '--seed':
        seed = parseSeed(value);
        break;
      case '--runs':
        runs = parseRuns(value);
        break;
      case '--sweep': {
        const [path, values] = parseSweep(value);
        if (path in sweeps)
          throw new UsageError(`--sweep ${path} given twice; list its values once: ${path}=a,b,c`);
        sweeps[path] = values;
        break;
      }
      case '--out':
        if (value === '') throw new UsageError('--out needs a directory, got ""');
        out = value;
        break;
      case '--timeline-user':
        if (value === '') throw new UsageError('--timeline-user needs a user id, got ""');
        timelineUser = value;
        break;
    }
  }
  if (positional.length === 0) throw new UsageError('missing SCENARIO (a scenario file)');
  if (positional.length > 1) {
    throw new UsageError(
      `expected one SCENARIO, got ${positional.length}: ${positional.map((p) => quote(p)).join(' ')}`,
    );
  }
  return {
    scenario: positional[0]!,
    ...(seed === undefined ? {} : { seed }),
    runs,
    sweeps,
    ...(out === undefined ? {} : { out }),
    ...flags,
    ...(timelineUser === undefined ? {} : { timelineUser }),
  };
}

function parseSeed(text: string): number {
  const n = /^0x[0-9a-f]+$/i.test(text)
    ? Number.parseInt(text.slice(2), 16)
    : /^\d+$/.test(text)
      ? Number(text)
      : Number.NaN;
  if (!Number.isSafeInteger(n) || n > 0xffff_ffff) {
    throw new UsageError(
      `--seed: expected a 32-bit unsigned integer (decimal or 0x hex), got ${quote(text)}`,
    );
  }
  return n;
}

function parseRuns(text: string): number {
  const n = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1 || n > RUNS_MAX) {
    throw new UsageError(`--runs: expected an integer in 1..${RUNS_MAX}, got ${quote(text)}`);
  }
  return n;
}

function parseSweep(text: string): [string, SimValue[]] {
  const eq = text.indexOf('=');
  const path = eq === -1 ? '' : text.slice(0, eq);
  const values = eq === -1 ? [] : text.slice(eq + 1).split(',');
  if (path === '' || values.some((v) => v === '')) {
    throw new UsageError(
      `--sweep: expected PATH=A,B,C (e.g. users.count=100,1000), got ${quote(text)}`,
    );
  }
  return [path, values.map(sweepValue)];
}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** `10` → 10, `0x10` → 16, `true` → true, anything else stays a string. */
export function sweepValue(text: string): SimValue {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (NUMBER.test(text)) return Number(text);
  if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text.slice(2), 16);
  return text;
}

/** `npm run sim -- PATH --seed N [--sweep p=v]...`, words shell-quoted when needed. */
export function replayCommand(
  scenarioPath: string,
  seed: number,
  params: Readonly<Record<string, SimValue>> = {},
): string {
  const words = ['npm', 'run', 'sim', '--', scenarioPath, '--seed', String(seed)];
  for (const [path, value] of Object.entries(params))
    words.push('--sweep', `${path}=${String(value)}`);
  return words.map(shellQuote).join(' ');
}

/** A word as a POSIX shell reads it back: bare when safe, else in single quotes. */
export function shellQuote(word: string): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
