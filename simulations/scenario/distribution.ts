/**
 * Latency distributions as a scenario file writes them, and back.
 *
 * A number is a constant in ms (`latencyMs: 5`); otherwise a mapping with
 * `dist` and that distribution's parameters, all in ms except `sigma`:
 * `{dist: constant, ms}`, `{dist: uniform, min, max}` (min <= max),
 * `{dist: normal, mean, sd}`, `{dist: lognormal, median, sigma}` (median > 0),
 * `{dist: exponential, mean}` (mean > 0). Every parameter is required and at
 * most `LIMITS.msMax` (sigma at most 10).
 */
import { quote } from '../../runtime/index.ts';
import type { Distribution } from '../types.ts';
import { LIMITS } from './defaults.ts';
import { child, type Fields, isFields, type Reader } from './fields.ts';

const DISTS = ['constant', 'uniform', 'normal', 'lognormal', 'exponential'] as const;
const PARAMS: Record<(typeof DISTS)[number], readonly string[]> = {
  constant: ['ms'],
  uniform: ['min', 'max'],
  normal: ['mean', 'sd'],
  lognormal: ['median', 'sigma'],
  exponential: ['mean'],
};

export function readDistribution(
  r: Reader,
  path: string,
  value: unknown,
  fallback: Distribution,
): Distribution {
  if (value === undefined) return fallback;
  const ms = { min: 0, max: LIMITS.msMax };
  if (typeof value === 'number') {
    return { dist: 'constant', ms: r.number(path, value, 0, ms) };
  }
  if (!isFields(value)) {
    r.fail(
      path,
      `expected a number of ms or a mapping with dist (${DISTS.join(', ')}), got ${quote(value)}`,
    );
    return fallback;
  }
  const dist = r.choice(child(path, 'dist'), value.dist, DISTS);
  if (dist === undefined) return fallback;
  const f = r.object(path, value, ['dist', ...PARAMS[dist]]);
  const need = (key: string, spec: { min: number; max: number; above?: boolean }): number => {
    const at = child(path, key);
    if (!r.required(at, f[key], `${dist} needs ${PARAMS[dist].join(' and ')}`)) return 0;
    return r.number(at, f[key], 0, spec);
  };
  switch (dist) {
    case 'constant':
      return { dist, ms: need('ms', ms) };
    case 'uniform': {
      const minMs = need('min', ms);
      const maxMs = need('max', ms);
      if (maxMs < minMs) r.fail(child(path, 'max'), `expected >= min (${minMs}), got ${maxMs}`);
      return { dist, minMs, maxMs };
    }
    case 'normal':
      return { dist, meanMs: need('mean', ms), sdMs: need('sd', ms) };
    case 'lognormal':
      return {
        dist,
        medianMs: need('median', { ...ms, above: true }),
        sigma: need('sigma', { min: 0, max: 10 }),
      };
    case 'exponential':
      return { dist, meanMs: need('mean', { ...ms, above: true }) };
  }
}

/** The YAML form `readDistribution` reads back to an equal distribution. */
export function distributionToRaw(d: Distribution): number | Fields {
  switch (d.dist) {
    case 'constant':
      return d.ms;
    case 'uniform':
      return { dist: d.dist, min: d.minMs, max: d.maxMs };
    case 'normal':
      return { dist: d.dist, mean: d.meanMs, sd: d.sdMs };
    case 'lognormal':
      return { dist: d.dist, median: d.medianMs, sigma: d.sigma };
    case 'exponential':
      return { dist: d.dist, mean: d.meanMs };
  }
}
