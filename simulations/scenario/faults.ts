/**
 * The fault timeline as a scenario file writes it, and back.
 *
 * Each fault is a mapping with `at` (seconds from the start; `Fault.atS`),
 * `kind`, `duration` (seconds; `Fault.durationS`) for the kinds that last
 * (partition, store-outage, store-slow, store-flaky, link-loss: required
 * there, refused elsewhere) and the kind's own fields (see `FaultSpec`), node
 * indexes 0-based. Checks, besides each field's type and range:
 *
 * - a fault lies inside the run: 0 <= at and at + duration <= durationS; a
 *   crash's restart (at + restartAfterS) and a rolling restart's last restart
 *   (at + nodes * downS + (nodes - 1) * intervalS) too;
 * - node indexes are < topology.nodes; partitions and drains need >= 2 nodes;
 * - a split's minority is non-empty, distinct, and not every node; a bridge's
 *   sides are non-empty and disjoint and the bridge is in neither; an
 *   asymmetric partition's from and to differ;
 * - store-flaky's failureRate + indeterminateRate <= 1.
 */
import { quote } from '../../runtime/index.ts';
import type { Distribution, Fault, PartitionShape } from '../types.ts';
import { DEFAULTS, LIMITS } from './defaults.ts';
import { distributionToRaw, readDistribution } from './distribution.ts';
import { child, type Fields, isFields, item, type Reader } from './fields.ts';

export const FAULT_KINDS = [
  'partition',
  'crash',
  'rolling-restart',
  'drain',
  'store-outage',
  'store-slow',
  'store-flaky',
  'link-loss',
  'reconnect-storm',
] as const satisfies readonly Fault['kind'][];
type Kind = (typeof FAULT_KINDS)[number];

const SHAPES = ['isolate', 'split', 'bridge', 'asymmetric'] as const;
type Shape = (typeof SHAPES)[number];

/** Kinds with a `duration`, and every kind's own fields. */
export const LASTING: ReadonlySet<Kind> = new Set([
  'partition',
  'store-outage',
  'store-slow',
  'store-flaky',
  'link-loss',
]);
const KIND_FIELDS: Record<Kind, readonly string[]> = {
  partition: ['shape'],
  crash: ['node', 'restartAfterS'],
  'rolling-restart': ['downS', 'intervalS'],
  drain: ['node'],
  'store-outage': [],
  'store-slow': ['latencyMs'],
  'store-flaky': ['failureRate', 'indeterminateRate'],
  'link-loss': ['dropRate', 'duplicateRate'],
  'reconnect-storm': ['share', 'jitter'],
};
const SHAPE_FIELDS: Record<Shape, readonly string[]> = {
  isolate: ['node'],
  split: ['minority'],
  bridge: ['a', 'b', 'bridge'],
  asymmetric: ['from', 'to'],
};

/** Slack for sums of seconds written in decimal (10.1 + 19.9 may exceed 30 in binary). */
const EPSILON_S = 1e-9;

/** What a fault's checks need from the rest of the scenario. */
export interface FaultContext {
  readonly nodes: number;
  readonly durationS: number;
  /** `clients.reconnect.jitter`: a storm's default. */
  readonly jitter: boolean;
}

export function readFaults(r: Reader, value: unknown, ctx: FaultContext): Fault[] {
  const list = r.list('faults', value);
  if (list.length > LIMITS.faultsMax) {
    r.fail('faults', `expected at most ${LIMITS.faultsMax} faults, got ${list.length}`);
  }
  const faults: Fault[] = [];
  list.forEach((v, i) => {
    const f = readFault(r, item('faults', i), v, ctx);
    if (f !== undefined) faults.push(f);
  });
  return faults;
}

function readFault(r: Reader, path: string, value: unknown, ctx: FaultContext): Fault | undefined {
  if (!isFields(value)) {
    r.fail(path, `expected a mapping with at, kind and the kind's fields, got ${quote(value)}`);
    return undefined;
  }
  const kind = r.choice(child(path, 'kind'), value.kind, FAULT_KINDS);
  if (kind === undefined) return undefined;
  const shape =
    kind === 'partition' ? r.choice(child(path, 'shape'), value.shape, SHAPES) : undefined;
  if (kind === 'partition' && shape === undefined) return undefined;
  const lasting = LASTING.has(kind);
  // `duration` is known to every kind, so that a misplaced one gets the message below.
  const known = ['at', 'kind', 'duration', ...KIND_FIELDS[kind]];
  const f = r.object(path, value, shape === undefined ? known : [...known, ...SHAPE_FIELDS[shape]]);
  if (!lasting && f.duration !== undefined) {
    r.fail(
      child(path, 'duration'),
      `${kind} takes no duration${kind === 'crash' ? ' (use restartAfterS)' : ''}`,
    );
  }
  const at = child(path, 'at');
  const atS = r.required(at, f.at, 'the start, in seconds')
    ? r.number(at, f.at, 0, { min: 0, max: ctx.durationS })
    : 0;
  const base = { atS, kind };
  const fault = readKind(r, path, f, kind, shape, atS, ctx);
  if (fault === undefined) return undefined;
  if (!lasting) return { ...base, ...fault } as Fault;
  const d = child(path, 'duration');
  const durationS = r.required(d, f.duration, `${kind} lasts: give its duration in seconds`)
    ? within(r, d, f.duration, atS, ctx.durationS, 'the fault starts at')
    : 0;
  return { ...base, ...fault, durationS } as Fault;
}

/** A span starting at `startS` that must end by `endS` (durationS); 0 is refused unless `zero`. */
function within(
  r: Reader,
  path: string,
  value: unknown,
  startS: number,
  endS: number,
  what: string,
  zero = false,
): number {
  const room = endS - startS;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (zero ? value >= 0 : value > 0) &&
    startS + value <= endS + EPSILON_S;
  if (!ok) {
    const range = `${zero ? '[' : '('}0, ${Number(room.toFixed(6))}]`;
    r.fail(
      path,
      `expected a number in ${range} (${what} ${startS} and durationS is ${endS}), got ${quote(value)}`,
    );
  }
  return ok ? (value as number) : 0;
}

function readKind(
  r: Reader,
  path: string,
  f: Fields,
  kind: Kind,
  shape: Shape | undefined,
  atS: number,
  ctx: FaultContext,
): Fields | undefined {
  const at = (key: string) => child(path, key);
  const node = (key: string) =>
    r.required(at(key), f[key], 'a node index') ? nodeIndex(r, at(key), f[key], ctx.nodes) : 0;
  const need = (key: string, what: string) => r.required(at(key), f[key], what);
  if ((kind === 'partition' || kind === 'drain') && ctx.nodes < 2) {
    r.fail(at('kind'), `${kind} needs topology.nodes >= 2, got ${ctx.nodes}`);
  }
  switch (kind) {
    case 'partition':
      return shape === undefined ? undefined : readShape(r, path, f, shape, ctx.nodes);
    case 'crash': {
      const out: Fields = { node: node('node') };
      if (f.restartAfterS !== undefined) {
        const after = at('restartAfterS');
        out.restartAfterS = within(
          r,
          after,
          f.restartAfterS,
          atS,
          ctx.durationS,
          'the crash is at',
          true,
        );
      }
      return out;
    }
    case 'rolling-restart': {
      const s = { min: 0, max: ctx.durationS };
      const downS = need('downS', 'seconds each node stays down')
        ? r.number(at('downS'), f.downS, 0, s)
        : 0;
      const intervalS = need('intervalS', 'seconds between a restart and the next crash')
        ? r.number(at('intervalS'), f.intervalS, 0, s)
        : 0;
      const endS = atS + ctx.nodes * downS + (ctx.nodes - 1) * intervalS;
      if (endS > ctx.durationS + EPSILON_S) {
        r.fail(
          path,
          `rolling restart of ${ctx.nodes} nodes ends at ${endS} s (at + ${ctx.nodes} * downS + ${ctx.nodes - 1} * intervalS), after durationS (${ctx.durationS})`,
        );
      }
      return { downS, intervalS };
    }
    case 'drain':
      return { node: node('node') };
    case 'store-outage':
      return {};
    case 'store-slow':
      need('latencyMs', 'the store latency during the fault');
      return {
        latencyMs: readDistribution(r, at('latencyMs'), f.latencyMs, DEFAULTS.store.latencyMs),
      };
    case 'store-flaky': {
      const failureRate = r.rate(at('failureRate'), f.failureRate, 0);
      const indeterminateRate = r.rate(at('indeterminateRate'), f.indeterminateRate, 0);
      if (failureRate + indeterminateRate > 1) {
        r.fail(
          at('indeterminateRate'),
          `expected failureRate + indeterminateRate <= 1, got ${failureRate} + ${indeterminateRate}`,
        );
      }
      return { failureRate, indeterminateRate };
    }
    case 'link-loss':
      need('dropRate', 'the share of bus messages lost');
      return {
        dropRate: r.rate(at('dropRate'), f.dropRate, 0),
        duplicateRate: r.rate(at('duplicateRate'), f.duplicateRate, DEFAULTS.linkLossDuplicateRate),
      };
    case 'reconnect-storm':
      need('share', 'the share of connected devices that lose their connection');
      return {
        share: r.number(at('share'), f.share, 1, { min: 0, max: 1, above: true }),
        jitter: r.bool(at('jitter'), f.jitter, ctx.jitter),
      };
  }
}

function readShape(
  r: Reader,
  path: string,
  f: Fields,
  shape: Shape,
  nodes: number,
): PartitionShape {
  const at = (key: string) => child(path, key);
  const one = (key: string) =>
    r.required(at(key), f[key], 'a node index') ? nodeIndex(r, at(key), f[key], nodes) : 0;
  const many = (key: string) =>
    r.required(at(key), f[key], 'a list of node indexes')
      ? nodeList(r, at(key), f[key], nodes)
      : [];
  switch (shape) {
    case 'isolate':
      return { shape, node: one('node') };
    case 'split': {
      const minority = many('minority');
      if (f.minority !== undefined && minority.length === 0)
        r.fail(at('minority'), 'expected at least one node, got none');
      if (minority.length >= nodes) {
        r.fail(
          at('minority'),
          `expected fewer than every node (topology.nodes is ${nodes}), got ${quote(minority)}`,
        );
      }
      return { shape, minority };
    }
    case 'bridge': {
      const a = many('a');
      const b = many('b');
      const bridge = one('bridge');
      for (const [key, side] of [
        ['a', a],
        ['b', b],
      ] as const) {
        if (f[key] !== undefined && side.length === 0)
          r.fail(at(key), 'expected at least one node, got none');
        if (side.includes(bridge))
          r.fail(
            at(key),
            `expected the bridge (${bridge}) not to be in ${key}, got ${quote(side)}`,
          );
      }
      const both = a.filter((n) => b.includes(n));
      if (both.length > 0)
        r.fail(at('b'), `expected no node in both a and b, got ${quote(both)} in both`);
      return { shape, a, b, bridge };
    }
    case 'asymmetric': {
      const from = one('from');
      const to = one('to');
      if (from === to && f.from !== undefined)
        r.fail(at('to'), `expected a node other than from (${from}), got ${to}`);
      return { shape, from, to };
    }
  }
}

function nodeIndex(r: Reader, path: string, value: unknown, nodes: number): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value < nodes)
    return value;
  r.fail(
    path,
    `expected an integer in 0..${nodes - 1} (topology.nodes is ${nodes}), got ${quote(value)}`,
  );
  return 0;
}

function nodeList(r: Reader, path: string, value: unknown, nodes: number): number[] {
  const list = r.list(path, value);
  const out: number[] = [];
  list.forEach((v, i) => {
    const n = nodeIndex(r, item(path, i), v, nodes);
    if (out.includes(n) && n === v)
      r.fail(item(path, i), `expected distinct nodes, got ${n} twice`);
    else out.push(n);
  });
  return out;
}

/** The YAML form `readFaults` reads back to an equal fault; `jitter` left out when it is the default. */
export function faultToRaw(fault: Fault, jitter: boolean): Fields {
  const { atS, durationS, kind, ...rest } = fault as Fault & Fields;
  const out: Fields = { at: atS, kind };
  for (const [key, value] of Object.entries(rest)) {
    if (key === 'latencyMs') out[key] = distributionToRaw(value as Distribution);
    else if (!(kind === 'reconnect-storm' && key === 'jitter' && value === jitter))
      out[key] = value;
  }
  if (durationS !== undefined) out.duration = durationS;
  return out;
}
