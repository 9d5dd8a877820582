/**
 * The scenario's fault timeline, applied to the simulated world at virtual
 * times: partitions of every shape on the bus, crashes and restarts,
 * rolling restarts, drains, store outages/slowness/flakiness, link loss,
 * reconnect storms. Each becomes a `FaultWindow` in the history.
 */
import type { Random } from '../../runtime/index.ts';
import type { VirtualClock } from '../../runtime/testing/index.ts';
import type { Fault, FaultWindow, Scenario } from '../types.ts';
import { sampler } from './distributions.ts';
import type { SimBus } from './sim-bus.ts';
import type { SimNode } from './sim-node.ts';
import type { SimLink } from './sim-socket.ts';
import type { SimStore } from './sim-store.ts';
import type { Trace } from './trace.ts';

export interface FaultEnv {
  readonly clock: VirtualClock;
  readonly random: Random;
  readonly t0: number;
  readonly scenario: Scenario;
  readonly nodes: readonly SimNode[];
  readonly bus: SimBus;
  readonly store: SimStore;
  readonly trace: Trace;
  readonly windows: FaultWindow[];
  /** Every open client link now (for storms). */
  links(): SimLink[];
  setJitter(on: boolean): void;
}

export function scheduleFaults(env: FaultEnv): void {
  for (const f of env.scenario.faults) {
    at(env, f.atS * 1000, () => apply(env, f));
  }
}

function at(env: FaultEnv, ms: number, fn: () => void): void {
  env.clock.setTimer(env.t0 + ms - env.clock.now(), fn);
}

function open(env: FaultEnv, kind: string, label: string, durationS?: number): FaultWindow {
  const w: { kind: string; label: string; fromMs: number; toMs?: number } = {
    kind,
    label,
    fromMs: env.clock.now() - env.t0,
  };
  if (durationS !== undefined) w.toMs = w.fromMs + durationS * 1000;
  env.windows.push(w);
  env.trace.add(`f${kind}:${label}`);
  return w;
}

function name(env: FaultEnv, i: number): string {
  return env.nodes[i]!.name;
}

function apply(env: FaultEnv, f: Fault): void {
  const d = f.durationS;
  const later = (fn: () => void) => {
    if (d !== undefined) env.clock.setTimer(d * 1000, fn);
  };
  const { bus, store } = env;
  switch (f.kind) {
    case 'partition': {
      const pairs: [string, string][] = [];
      const all = env.nodes.map((n) => n.name);
      let label: string;
      if (f.shape === 'isolate') {
        const node = env.nodes[f.node]!;
        label = `${node.name} cut off`;
        open(env, 'partition', label, d);
        node.conn?.detach();
        later(() => env.nodes[f.node]!.conn?.reattach());
        return;
      }
      if (f.shape === 'split') {
        const minority = f.minority.map((i) => name(env, i));
        const rest = all.filter((n) => !minority.includes(n));
        for (const a of minority) for (const b of rest) pairs.push([a, b], [b, a]);
        label = `${minority.join('+')} | ${rest.join('+')}`;
      } else if (f.shape === 'bridge') {
        const a = f.a.map((i) => name(env, i));
        const b = f.b.map((i) => name(env, i));
        for (const x of a) for (const y of b) pairs.push([x, y], [y, x]);
        label = `${a.join('+')} | ${b.join('+')} bridged by ${name(env, f.bridge)}`;
      } else {
        pairs.push([name(env, f.from), name(env, f.to)]);
        label = `${name(env, f.from)} -> ${name(env, f.to)} lost`;
      }
      open(env, 'partition', label, d);
      for (const [a, b] of pairs) bus.cut(a, b);
      later(() => {
        for (const [a, b] of pairs) bus.restore(a, b);
      });
      return;
    }
    case 'crash': {
      const node = env.nodes[f.node]!;
      open(env, 'crash', `${node.name} crashed`, f.restartAfterS);
      node.crash();
      if (f.restartAfterS !== undefined)
        env.clock.setTimer(f.restartAfterS * 1000, () => node.start());
      return;
    }
    case 'rolling-restart': {
      const step = (f.downS + f.intervalS) * 1000;
      env.nodes.forEach((node, i) => {
        env.clock.setTimer(i * step, () => {
          open(env, 'crash', `${node.name} restarted`, f.downS);
          node.crash();
          env.clock.setTimer(f.downS * 1000, () => node.start());
        });
      });
      return;
    }
    case 'drain': {
      const node = env.nodes[f.node]!;
      open(env, 'drain', `${node.name} drained`, 0);
      node.drain();
      return;
    }
    case 'store-outage':
      open(env, 'store-outage', 'store down', d);
      store.faults.outage = true;
      later(() => {
        store.faults.outage = false;
      });
      return;
    case 'store-slow':
      open(env, 'store-slow', 'store slow', d);
      store.faults.slow = sampler(f.latencyMs, env.random);
      later(() => {
        store.faults.slow = undefined;
      });
      return;
    case 'store-flaky': {
      open(
        env,
        'store-flaky',
        `store flaky (${f.failureRate} fail, ${f.indeterminateRate} lost replies)`,
        d,
      );
      const before = {
        failureRate: store.faults.failureRate,
        indeterminateRate: store.faults.indeterminateRate,
      };
      store.faults.failureRate = f.failureRate;
      store.faults.indeterminateRate = f.indeterminateRate;
      later(() => Object.assign(store.faults, before));
      return;
    }
    case 'link-loss': {
      open(env, 'link-loss', `links drop ${f.dropRate}, duplicate ${f.duplicateRate ?? 0}`, d);
      const before = { dropRate: bus.dropRate, duplicateRate: bus.duplicateRate };
      bus.dropRate = f.dropRate;
      bus.duplicateRate = f.duplicateRate ?? 0;
      later(() => {
        bus.dropRate = before.dropRate;
        bus.duplicateRate = before.duplicateRate;
      });
      return;
    }
    case 'reconnect-storm': {
      const links = env.links();
      const hit = links.filter(() => env.random.next() < f.share);
      open(
        env,
        'reconnect-storm',
        `${hit.length} clients dropped${f.jitter ? '' : ', no jitter'}`,
        d ?? 0,
      );
      if (!f.jitter) {
        env.setJitter(false);
        env.clock.setTimer((d ?? 60) * 1000, () => env.setJitter(true));
      }
      for (const l of hit) l.abort(true);
      return;
    }
  }
}
