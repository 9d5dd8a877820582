/**
 * `parleyctl`, the operator CLI, as a function: `runCli(argv, io)` parses,
 * calls one node's admin API and prints, returning the exit code (the bin
 * sets it). Contract:
 * - exit 0: done; 1: the call failed (unreachable node, unknown key, or some
 *   node did not answer a cluster-wide call: its rows are missing and each
 *   is named on stderr); 2: usage (bad command, option or argument).
 * - `--json`: exactly one JSON document on stdout, the answer or
 *   `{"error":{"code","message"}}`; otherwise tables for people. Errors also go
 *   to stderr as one line `parleyctl: ...` naming the address.
 * - `--admin HOST:PORT`, else `PARLEY_ADMIN`, else `127.0.0.1:7070`;
 *   `PARLEY_ADMIN_TOKEN` is sent as a bearer token when set; each call has a
 *   3 s deadline (`--timeout-ms` to change it).
 */
import { ErrorCode, ParleyError, quote, systemClock } from '../../runtime/index.ts';
import { AdminClient, DEFAULT_ADMIN_TIMEOUT_MS } from './client.ts';
import * as show from './tables.ts';

export interface CliIo {
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Wall time for "up" columns; default the system clock. */
  readonly nowMs?: () => number;
}

export const DEFAULT_ADMIN = '127.0.0.1:7070';

export const USAGE = `Usage: parleyctl [--admin HOST:PORT] [--json] COMMAND [ARGS]

Operate a Parley cluster through any node's admin API.

Commands:
  nodes                 the members of the cluster and their status
  ring                  how many shards each node owns
  actors [--node N]     active virtual actors (of node N, or of every node)
  inspect KEY           one key (user:alice, group:g1): owner, epoch, mailbox, devices
  kill KEY              kill KEY's actor on its owner (it restarts on its next message)
  tree [--node N]       the supervision tree (of node N, or of every node)
  drain NODE            move NODE's shards and clients away, then it leaves
  stats [--node N]      counters (of node N, or of every node)

Options:
  --admin HOST:PORT     the node to ask (default $PARLEY_ADMIN or ${DEFAULT_ADMIN})
  --json                print exactly one JSON document instead of tables
  --timeout-ms MS       deadline of the call (default ${DEFAULT_ADMIN_TIMEOUT_MS})
  -h, --help            show this help

Environment:
  PARLEY_ADMIN          default for --admin
  PARLEY_ADMIN_TOKEN    sent as "authorization: Bearer <token>" when set

Exit codes: 0 ok, 1 failed, 2 usage.
`;

interface Parsed {
  readonly command: string;
  readonly args: readonly string[];
  readonly admin: string;
  readonly json: boolean;
  readonly help: boolean;
  readonly node: string | undefined;
  readonly timeoutMs: number;
}

class UsageError extends Error {}

/** Each command: how many positional arguments, whether it takes --node, and what it runs. */
const COMMANDS: Record<
  string,
  {
    readonly args: readonly string[];
    readonly node: boolean;
    readonly run: (c: AdminClient, p: Parsed, nowMs: number) => Promise<Outcome>;
  }
> = {
  nodes: {
    args: [],
    node: false,
    run: async (c, _p, now) => ok(await c.nodes(), (r) => show.nodesTable(r, now)),
  },
  ring: { args: [], node: false, run: async (c) => ok(await c.ring(), show.ringTable) },
  actors: {
    args: [],
    node: true,
    run: async (c, p) => partial(await c.actors(p.node), show.actorsTable),
  },
  inspect: {
    args: ['KEY'],
    node: false,
    run: async (c, p) => ok(await c.inspect(p.args[0]!), show.inspectBlock),
  },
  kill: {
    args: ['KEY'],
    node: false,
    run: async (c, p) => ok(await c.kill(p.args[0]!), show.killLine),
  },
  tree: { args: [], node: true, run: async (c, p) => partial(await c.tree(p.node), show.treeText) },
  drain: {
    args: ['NODE'],
    node: false,
    run: async (c, p) => ok(await c.drain(p.args[0]!), show.drainLine),
  },
  stats: {
    args: [],
    node: true,
    run: async (c, p) => partial(await c.stats(p.node), show.statsTable),
  },
};

interface Outcome {
  readonly json: unknown;
  readonly text: string;
  /** Nodes that did not answer, as one line each. */
  readonly failures: readonly string[];
}

function ok<T>(result: T, text: (r: T) => string): Outcome {
  return { json: result, text: text(result), failures: [] };
}

function partial<T extends { errors: readonly { node: string; code: string; message: string }[] }>(
  result: T,
  text: (r: T) => string,
): Outcome {
  const failures = result.errors.map(
    (e) => `node ${quote(e.node)} did not answer (${e.code}): ${e.message}`,
  );
  return { json: result, text: text(result), failures };
}

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const jsonAsked = argv.includes('--json');
  let parsed: Parsed;
  try {
    parsed = parse(argv, io.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    if (jsonAsked) writeJson(io, { error: { code: 'usage', message: err.message } });
    io.stderr.write(`parleyctl: ${err.message}\nRun 'parleyctl --help' for usage.\n`);
    return 2;
  }
  if (parsed.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const spec = COMMANDS[parsed.command]!;
  const client = new AdminClient(parsed.admin, {
    token: io.env.PARLEY_ADMIN_TOKEN || undefined,
    timeoutMs: parsed.timeoutMs,
  });
  try {
    const outcome = await spec.run(client, parsed, (io.nowMs ?? (() => systemClock.now()))());
    if (parsed.json) writeJson(io, outcome.json);
    else io.stdout.write(outcome.text);
    for (const line of outcome.failures) io.stderr.write(`parleyctl: ${oneLine(line)}\n`);
    return outcome.failures.length > 0 ? 1 : 0;
  } catch (err) {
    const e =
      err instanceof ParleyError
        ? err
        : new ParleyError(ErrorCode.Internal, err instanceof Error ? err.message : String(err));
    if (parsed.json) writeJson(io, { error: { code: e.code, message: oneLine(e.message) } });
    io.stderr.write(`parleyctl: ${oneLine(e.message)}\n`);
    return 1;
  } finally {
    client.close();
  }
}

function parse(argv: readonly string[], env: CliIo['env']): Parsed {
  let admin = env.PARLEY_ADMIN || DEFAULT_ADMIN;
  let json = false;
  let help = false;
  let node: string | undefined;
  let timeoutMs = DEFAULT_ADMIN_TIMEOUT_MS;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    const value = (): string => {
      if (arg.startsWith('--') && eq > 0) return arg.slice(eq + 1);
      const next = argv[++i];
      if (next === undefined || next.startsWith('--'))
        throw new UsageError(`${name} needs a value`);
      return next;
    };
    if (name === '--json') json = true;
    else if (name === '--help' || name === '-h') help = true;
    else if (name === '--admin') admin = value();
    else if (name === '--node') node = value();
    else if (name === '--timeout-ms') timeoutMs = positiveInt('--timeout-ms', value());
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${quote(arg)}`);
    else positional.push(arg);
  }
  const [command = '', ...args] = positional;
  if (help) return { command, args, admin, json, help, node, timeoutMs };
  if (command === '') throw new UsageError('no command given');
  const spec = COMMANDS[command];
  if (spec === undefined) throw new UsageError(`unknown command ${quote(command)}`);
  if (args.length !== spec.args.length)
    throw new UsageError(
      spec.args.length === 0
        ? `${command} takes no arguments, got ${quote(args.join(' '))}`
        : `${command} needs ${spec.args.join(' ')}`,
    );
  if (args.some((a) => a === ''))
    throw new UsageError(`${command} needs a non-empty ${spec.args[0]}`);
  if (node !== undefined && !spec.node) throw new UsageError(`${command} does not take --node`);
  if (node === '') throw new UsageError('--node needs a node id');
  checkAddress(admin);
  return { command, args, admin, json, help, node, timeoutMs };
}

function checkAddress(admin: string): void {
  const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:/[\]]+):(\d{1,5})$/.exec(admin);
  const port = Number(m?.[2]);
  if (m === null || port < 1 || port > 65535)
    throw new UsageError(`--admin must be HOST:PORT, got ${quote(admin)}`);
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (/^\d+$/.test(text) && Number.isSafeInteger(n) && n > 0) return n;
  throw new UsageError(`${name} must be a positive integer, got ${quote(text)}`);
}

function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
