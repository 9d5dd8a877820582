/**
 * Parameter sweeps: a scenario path set to a value, and the cartesian
 * product of several paths' values.
 *
 * Paths name fields in the scenario file's terms: `users.count`,
 * `workload.messagesPerUserPerS`, `network.dropRate`,
 * `network.latencyMs.median`, `faults[0].duration` (`faults[0].durationS` and
 * `.atS` are accepted for `.duration` and `.at`). A value replaces the field
 * in the scenario's raw form (`raw.ts`), which is then read again, so a swept
 * scenario is validated exactly as a file is; a combination that is not
 * valid is an error naming its parameters. A path that names no field of the
 * scenario is an error naming the path.
 *
 * Guarantees: `expandSweeps` lists runs in a fixed order (the scenario's
 * sweeps in file order, then new CLI ones; the last varies fastest), at most
 * `LIMITS.sweepRunsMax` of them, each with `sweeps: {}`.
 */
import { quote } from '../../runtime/index.ts';
import type { Scenario } from '../types.ts';
import { LIMITS } from './defaults.ts';
import { type Problem, ScenarioError } from './errors.ts';
import { type Fields, isFields } from './fields.ts';
import { scenarioToRaw } from './raw.ts';
import { readScenario } from './read.ts';

export type SweepValue = number | string | boolean;
export interface SweepRun {
  readonly params: Readonly<Record<string, SweepValue>>;
  readonly scenario: Scenario;
}

/** `s` with the field at `path` set to `value` (that sweep dropped from `s.sweeps`), re-validated. */
export function applySweep(s: Scenario, path: string, value: SweepValue): Scenario {
  const { [path]: _, ...sweeps } = s.sweeps;
  return applyAll({ ...s, sweeps }, [[path, value]]);
}

/** One run per combination of the scenario's sweeps and `extra` (which adds or replaces paths). */
export function expandSweeps(
  s: Scenario,
  extra: Readonly<Record<string, readonly SweepValue[]>> = {},
): SweepRun[] {
  const sweeps = { ...s.sweeps, ...extra };
  const base: Scenario = { ...s, sweeps: {} };
  const entries = Object.entries(sweeps);
  let total = 1;
  for (const [path, values] of entries) {
    if (values.length === 0) {
      throw new ScenarioError(s.name, [{ path, message: 'sweep has no values' }]);
    }
    total *= values.length;
  }
  if (total > LIMITS.sweepRunsMax) {
    throw new ScenarioError(s.name, [
      { path: '', message: `sweeps make ${total} runs, more than ${LIMITS.sweepRunsMax}` },
    ]);
  }
  const runs: SweepRun[] = [];
  for (let n = 0; n < total; n++) {
    const params: [string, SweepValue][] = [];
    let rest = n;
    for (let i = entries.length - 1; i >= 0; i--) {
      const [path, values] = entries[i]!;
      params.unshift([path, values[rest % values.length]!]);
      rest = Math.floor(rest / values.length);
    }
    runs.push({
      params: Object.fromEntries(params),
      scenario: params.length === 0 ? base : applyAll(base, params),
    });
  }
  return runs;
}

/**
 * The problems of the scenario's own sweep paths that name no field (values
 * are checked per combination, by `expandSweeps`: one may only be valid with
 * another).
 */
export function sweepPathProblems(s: Scenario): Problem[] {
  const problems: Problem[] = [];
  const base = { ...s, sweeps: {} };
  for (const [path, values] of Object.entries(s.sweeps)) {
    const at = `sweeps[${quote(path)}]`;
    try {
      const raw = scenarioToRaw(base);
      setPath(raw, path, values[0]!, s.name);
      const unknown = unknownOn(readScenario(raw, s.name).problems, path);
      if (unknown !== undefined) problems.push({ path: at, message: noSuchField(unknown) });
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      problems.push(...e.problems.map((p) => ({ path: at, message: p.message })));
    }
  }
  return problems;
}

function applyAll(s: Scenario, params: readonly [string, SweepValue][]): Scenario {
  const raw = scenarioToRaw(s);
  for (const [path, value] of params) setPath(raw, path, value, s.name);
  const label = `${s.name} with ${params.map(([p, v]) => `${p}=${String(v)}`).join(', ')}`;
  const { scenario, problems } = readScenario(raw, s.name);
  const missing = params.flatMap(([path]) => {
    const p = unknownOn(problems, path);
    return p === undefined ? [] : [{ path, message: noSuchField(p) }];
  });
  if (missing.length > 0) throw new ScenarioError(s.name, missing);
  if (problems.length > 0) throw new ScenarioError(label, problems);
  return scenario;
}

/** The "unknown field" problem on `path` or on a field on the way to it. */
function unknownOn(problems: readonly Problem[], path: string): Problem | undefined {
  const full = normalize(path);
  return problems.find(
    (p) =>
      p.unknownField &&
      (full === p.path || full.startsWith(`${p.path}.`) || full.startsWith(`${p.path}[`)),
  );
}

/** "No such field", suggesting the whole path of a close one. */
function noSuchField(p: Problem): string {
  if (p.suggestion === undefined) return 'no such field in the scenario';
  const parent = p.path.slice(0, Math.max(0, p.path.lastIndexOf('.')));
  const path = parent === '' ? p.suggestion : `${parent}.${p.suggestion}`;
  return `no such field in the scenario; did you mean ${quote(path)}?`;
}

type Segment = string | number;

/** `faults[0].duration` → ['faults', 0, 'duration']; `durationS`/`atS` in a fault → `duration`/`at`. */
export function pathSegments(path: string): Segment[] {
  const segments: Segment[] = [];
  const re = /(?:^|\.)([A-Za-z_][\w-]*)|\[(\d+)\]/y;
  let m: RegExpExecArray | null;
  while (re.lastIndex < path.length && (m = re.exec(path)) !== null) {
    segments.push(m[1] ?? Number(m[2]));
  }
  if (re.lastIndex !== path.length || path === '' || typeof segments[0] !== 'string') {
    throw new ScenarioError('sweep', [
      { path, message: 'expected a path like workload.messagesPerUserPerS or faults[0].duration' },
    ]);
  }
  if (segments[0] === 'faults' && segments.length === 3) {
    if (segments[2] === 'durationS') segments[2] = 'duration';
    if (segments[2] === 'atS') segments[2] = 'at';
  }
  return segments;
}

const render = (segments: readonly Segment[]): string =>
  segments.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
const normalize = (path: string): string => render(pathSegments(path));

/** Sets `value` at `path` in a raw scenario; the fields on the way must exist. */
function setPath(raw: Fields, path: string, value: SweepValue, source: string): void {
  const segments = pathSegments(path);
  const fail = (i: number, why: string): ScenarioError => {
    const message = `no such field in the scenario (${render(segments.slice(0, i))} ${why})`;
    return new ScenarioError(source, [{ path, message }]);
  };
  let at: unknown = raw;
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    if (typeof segment === 'number') {
      if (!Array.isArray(at)) throw fail(i, `is ${quote(at)}, not a list`);
      if (segment >= at.length) throw fail(i, `has ${at.length} item(s)`);
      if (last) at[segment] = value;
      else at = at[segment];
    } else {
      if (!isFields(at)) throw fail(i, `is ${quote(at)}, not a mapping`);
      if (last) at[segment] = value;
      else {
        // An absent field on the way: reading it back reports it as unknown (or not).
        if (at[segment] === undefined) at[segment] = typeof segments[i + 1] === 'number' ? [] : {};
        at = at[segment];
      }
    }
  }
}
