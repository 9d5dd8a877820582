/**
 * Draws from the scenario's latency distributions with the run's seeded
 * `Random`: one draw per call, so the sequence of draws (and the run) is a
 * function of the seed. Results are whole milliseconds >= 0 (virtual timers
 * fire on ms), except `constant`, which is exact.
 */
import type { Random } from '../../runtime/index.ts';
import type { Distribution } from '../types.ts';

export type Sampler = () => number;

export function sampler(d: Distribution, random: Random): Sampler {
  switch (d.dist) {
    case 'constant':
      return () => Math.max(0, d.ms);
    case 'uniform':
      return () => clampMs(d.minMs + random.next() * (d.maxMs - d.minMs));
    case 'normal':
      return () => clampMs(d.meanMs + d.sdMs * gaussian(random));
    case 'lognormal': {
      const mu = Math.log(Math.max(d.medianMs, 1e-6));
      return () => clampMs(Math.exp(mu + d.sigma * gaussian(random)));
    }
    case 'exponential':
      return () => clampMs(-d.meanMs * Math.log(1 - random.next()));
  }
}

function clampMs(ms: number): number {
  return ms <= 0 || !Number.isFinite(ms) ? 0 : Math.round(ms);
}

/** A standard normal draw (Box–Muller, two uniforms per draw: simple and seed-stable). */
export function gaussian(random: Random): number {
  const u = 1 - random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Exponential inter-arrival time (ms) of a Poisson process with `perS` events per second. */
export function poissonGapMs(perS: number, random: Random): number {
  if (perS <= 0) return Number.POSITIVE_INFINITY;
  return (-Math.log(1 - random.next()) / perS) * 1000;
}
