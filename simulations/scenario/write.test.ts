import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Distribution, Fault, Scenario } from '../types.ts';
import { ALL_CHECKS, parseScenario, scenarioToYaml } from './index.ts';

const fcOptions = { seed: Number(process.env.FC_SEED), verbose: true };
const scenariosDir = join(import.meta.dirname, '..', 'scenarios');

const real = (min: number, max: number) =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
const rate = real(0, 1);
const positiveMs = real(1e-3, 600_000);
/** Two shares that add up to at most 1. */
const rates = fc.tuple(rate, rate).filter(([a, b]) => a + b <= 1);

const distribution: fc.Arbitrary<Distribution> = fc.oneof(
  real(0, 600_000).map((ms) => ({ dist: 'constant' as const, ms })),
  fc
    .tuple(real(0, 600_000), real(0, 600_000))
    .map(([a, b]) => ({ dist: 'uniform' as const, minMs: Math.min(a, b), maxMs: Math.max(a, b) })),
  fc.record({ dist: fc.constant('normal' as const), meanMs: real(0, 1e5), sdMs: real(0, 1e5) }),
  fc.record({ dist: fc.constant('lognormal' as const), medianMs: positiveMs, sigma: real(0, 10) }),
  fc.record({ dist: fc.constant('exponential' as const), meanMs: positiveMs }),
);

function faultArb(nodes: number, durationS: number): fc.Arbitrary<Fault> {
  const node = fc.integer({ min: 0, max: nodes - 1 });
  const at = real(0, 0.9).map((f) => f * durationS);
  const lasting = <T extends object>(spec: fc.Arbitrary<T>) =>
    fc.tuple(at, real(0.01, 1), spec).map(([atS, g, rest]) => ({
      atS,
      ...rest,
      durationS: (durationS - atS) * g,
    }));
  const indexes = Array.from({ length: nodes }, (_, i) => i);
  const kinds: fc.Arbitrary<Fault>[] = [
    fc.tuple(at, node, fc.option(real(0, 1), { nil: undefined })).map(([atS, n, g]) => ({
      atS,
      kind: 'crash' as const,
      node: n,
      ...(g === undefined ? {} : { restartAfterS: (durationS - atS) * g }),
    })),
    fc
      .tuple(at, real(0, 1), real(0, 1))
      .map(([atS, x, y]) => ({
        atS,
        kind: 'rolling-restart' as const,
        downS: ((durationS - atS) * x) / (2 * nodes),
        intervalS: nodes > 1 ? ((durationS - atS) * y) / (2 * (nodes - 1)) : y,
      }))
      .filter((f) => f.atS + nodes * f.downS + (nodes - 1) * f.intervalS <= durationS),
    lasting(fc.constant({ kind: 'store-outage' as const })),
    lasting(fc.record({ kind: fc.constant('store-slow' as const), latencyMs: distribution })),
    lasting(
      rates.map(([failureRate, indeterminateRate]) => ({
        kind: 'store-flaky' as const,
        failureRate,
        indeterminateRate,
      })),
    ),
    lasting(
      fc.record({ kind: fc.constant('link-loss' as const), dropRate: rate, duplicateRate: rate }),
    ),
    fc.record({
      atS: at,
      kind: fc.constant('reconnect-storm' as const),
      share: real(1e-6, 1),
      jitter: fc.boolean(),
    }),
  ];
  if (nodes >= 2) {
    kinds.push(
      fc.record({ atS: at, kind: fc.constant('drain' as const), node }),
      lasting(
        node.map((n) => ({ kind: 'partition' as const, shape: 'isolate' as const, node: n })),
      ),
      lasting(
        fc
          .shuffledSubarray(indexes, { minLength: 1, maxLength: nodes - 1 })
          .map((minority) => ({ kind: 'partition' as const, shape: 'split' as const, minority })),
      ),
      lasting(
        fc
          .tuple(node, node)
          .filter(([a, b]) => a !== b)
          .map(([from, to]) => ({
            kind: 'partition' as const,
            shape: 'asymmetric' as const,
            from,
            to,
          })),
      ),
    );
  }
  if (nodes >= 3) {
    kinds.push(
      lasting(
        fc
          .tuple(fc.shuffledSubarray(indexes, { minLength: nodes, maxLength: nodes }), fc.nat())
          .map(([order, cut]) => {
            const [bridge, ...rest] = order as [number, ...number[]];
            const k = 1 + (cut % (rest.length - 1));
            return {
              kind: 'partition' as const,
              shape: 'bridge' as const,
              a: rest.slice(0, k),
              b: rest.slice(k),
              bridge,
            };
          }),
      ),
    );
  }
  return fc.oneof(...kinds) as fc.Arbitrary<Fault>;
}

/** Valid scenarios, by construction. */
const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    nodes: fc.integer({ min: 1, max: 16 }),
    durationS: real(1, 86_400),
    users: fc.integer({ min: 2, max: 100_000 }),
  })
  .chain(({ nodes, durationS, users }) =>
    fc.record({
      name: fc.string(),
      description: fc.string({ unit: 'grapheme' }),
      seed: fc.integer({ min: 0, max: 0xffff_ffff }),
      durationS: fc.constant(durationS),
      topology: fc
        .tuple(real(1, 600_000), real(0.01, 0.99))
        .map(([downAfterMs, f]) => ({ nodes, downAfterMs, heartbeatMs: downAfterMs * f })),
      network: fc.record({
        latencyMs: distribution,
        dropRate: rate,
        duplicateRate: rate,
        clientLatencyMs: distribution,
      }),
      store: fc.tuple(distribution, rates).map(([latencyMs, [failureRate, indeterminateRate]]) => ({
        latencyMs,
        failureRate,
        indeterminateRate,
      })),
      users: fc.record({
        count: fc.constant(users),
        devicesPerUser: fc.integer({ min: 1, max: 4 }),
      }),
      workload: fc
        .record({
          messagesPerUserPerS: real(0, 100),
          groupShare: rate,
          groups: fc.record({
            count: fc.integer({ min: 1, max: 10_000 }),
            size: fc.integer({ min: 2, max: Math.min(1024, users) }),
          }),
          typingShare: rate,
          presenceContacts: fc.integer({ min: 0, max: 1000 }),
          window: fc.tuple(real(0, 1), fc.oneof(real(0, 1), fc.constant(1))),
        })
        .map(({ window: [a, b], ...w }) => ({
          ...w,
          startS: Math.min(a, b) * durationS,
          stopS: Math.max(a, b) === 1 ? durationS : Math.max(a, b) * durationS,
        })),
      clients: fc.record({
        reconnect: fc.tuple(positiveMs, positiveMs, fc.boolean()).map(([a, b, jitter]) => ({
          initialDelayMs: Math.min(a, b),
          maxDelayMs: Math.max(a, b),
          jitter,
        })),
        ackTimeoutMs: positiveMs,
      }),
      faults: fc.array(faultArb(nodes, durationS), { maxLength: 6 }),
      checks: fc.record({
        run: fc.shuffledSubarray([...ALL_CHECKS]),
        availabilityDeadlineMs: positiveMs,
        availabilityMin: rate,
        convergenceS: real(0, 3600),
      }),
      sweeps: fc.dictionary(
        fc.constantFrom('users.count', 'network.dropRate', 'workload.messagesPerUserPerS', 'seed'),
        fc.array(fc.oneof(fc.double({ noNaN: true }), fc.string(), fc.boolean()), {
          minLength: 1,
          maxLength: 4,
        }),
      ),
    }),
  );

describe('scenarioToYaml', () => {
  it('round-trips every valid scenario through parseScenario', () => {
    fc.assert(
      fc.property(scenarioArb, fc.string(), (s, comment) => {
        // structuredClone: fast-check may build objects without a prototype.
        expect(parseScenario(scenarioToYaml(s, comment), 'gen.yaml')).toStrictEqual(
          structuredClone(s),
        );
      }),
      { ...fcOptions, numRuns: 100 },
    );
  });

  it('round-trips every shipped scenario', () => {
    const files = readdirSync(scenariosDir).filter((f) => f.endsWith('.yaml'));
    expect(files.length).toBeGreaterThanOrEqual(9);
    for (const file of files) {
      const s = parseScenario(readFileSync(join(scenariosDir, file), 'utf8'), file);
      expect(parseScenario(scenarioToYaml(s), file)).toStrictEqual(s);
    }
  });

  it('writes the comment as # lines, distributions inline, and leaves derived defaults out', () => {
    const s = parseScenario(
      `durationS: 20
faults: [{at: 1, kind: reconnect-storm, share: 1}, {at: 2, kind: reconnect-storm, share: 1, jitter: false}]`,
      'w.yaml',
    );
    const text = scenarioToYaml(s, 'minimal failing scenario\n\nseed 7');
    expect(text.startsWith('# minimal failing scenario\n#\n# seed 7\n')).toBe(true);
    expect(text).toContain('  latencyMs: { dist: lognormal, median: 1, sigma: 0.5 }\n');
    expect(text).not.toContain('stopS');
    expect(text).toContain('  - at: 1\n    kind: reconnect-storm\n    share: 1\n  - at: 2');
    expect(text).toContain('jitter: false\n');
  });
});
