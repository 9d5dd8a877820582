/**
 * One simulated run: N nodes composed by the production code, the
 * simulated NATS, store, presence and sockets, and one production SDK
 * client per device, all on one virtual clock and one seeded scheduler.
 *
 * Determinism: every source of time is the virtual clock, every choice a
 * seeded stream split from the run's seed (scheduler, network, store,
 * workload, clients, runtime, faults: changing one component's draws does
 * not shift the others'), and the only real asynchrony, promise callbacks,
 * is drained in order between steps. Same seed and commit, same trace hash.
 *
 * The loop: run every ready actor and deferred task, drain promise
 * callbacks, repeat until quiet; then move the clock to the next timer and
 * fire everything due at that millisecond.
 */
import pino, { type Logger } from 'pino';
import { type Random, seededRandom, type Transport } from '../../runtime/index.ts';
import { flushMicrotasks, VirtualClock } from '../../runtime/testing/index.ts';
import { MemoryStore } from '../../store/index.ts';
import type { FaultWindow, History, HistoryEvent, NodeSample, Scenario } from '../types.ts';
import { MemoryPresence } from './deps.ts';
import { type Device, identityOf, makeDevice, recordFrame } from './devices.ts';
import { sampler } from './distributions.ts';
import { scheduleFaults } from './faults.ts';
import { SimScheduler } from './fence.ts';
import { type MutantName, reorderingTransport } from './mutants.ts';
import { SimBus } from './sim-bus.ts';
import { SimNode } from './sim-node.ts';
import { type SimLink, SimWebSocket, type SocketHost } from './sim-socket.ts';
import { SimStore } from './sim-store.ts';
import { Trace } from './trace.ts';
import { startWorkload } from './workload.ts';

export const T0 = 1_700_000_000_000;
const SAMPLE_MS = 1000;

export interface WorldOptions {
  readonly mutant?: MutantName;
  /** Messages an actor handles per scheduling step. Default 8. */
  readonly throughput?: number;
  /** Log level of the nodes' logs (virtual time). Default `warn`. */
  readonly logLevel?: string;
  /** Called every simulated second. */
  readonly onProgress?: (simulatedMs: number) => void;
}

/** A named seeded stream split from the run's seed. */
function stream(seed: number, name: string): Random {
  let h = seed >>> 0;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return seededRandom(h);
}

export class World {
  readonly clock = new VirtualClock(T0);
  readonly trace = new Trace();
  readonly events: HistoryEvent[] = [];
  readonly windows: FaultWindow[] = [];
  readonly samples: NodeSample[] = [];
  readonly nodes: SimNode[] = [];
  readonly devices: Device[] = [];
  readonly devicesOf = new Map<string, Device[]>();
  readonly groups: Record<string, string[]> = {};
  readonly links = new Set<SimLink>();
  readonly bus: SimBus;
  readonly store: SimStore;
  readonly scheduler: SimScheduler;
  readonly logLines: string[] = [];
  private readonly socketHost: SocketHost;
  private jitter = true;
  private readonly ackEarly: boolean;
  readonly endMs: number;
  readonly workloadEndMs: number;

  constructor(
    readonly scenario: Scenario,
    readonly seed: number,
    private readonly options: WorldOptions = {},
  ) {
    const clock = this.clock;
    const net = stream(seed, 'network');
    this.scheduler = new SimScheduler(stream(seed, 'scheduler'), options.throughput ?? 8);
    this.bus = new SimBus(clock, net, sampler(scenario.network.latencyMs, net), this.trace, {
      dropRate: scenario.network.dropRate,
      duplicateRate: scenario.network.duplicateRate,
    });
    const storeRandom = stream(seed, 'store');
    this.store = new SimStore(
      new MemoryStore({ clock }),
      clock,
      storeRandom,
      sampler(scenario.store.latencyMs, storeRandom),
      this.trace,
      T0,
      scenario.store,
    );
    if (options.mutant === 'forget-write') this.store.forgetAppend = 20;
    if (options.mutant === 'split-ownership') this.store.noFencing = true;
    this.ackEarly = options.mutant === 'ack-before-persist';
    const logger = this.logger(options.logLevel ?? 'warn');
    const presence = new MemoryPresence({ clock });
    const runtimeRandom = stream(seed, 'runtime');
    const mutantRandom = stream(seed, 'mutant');
    for (let i = 0; i < scenario.topology.nodes; i++) {
      this.nodes.push(
        new SimNode(`n${i + 1}`, {
          clock,
          scheduler: this.scheduler,
          random: runtimeRandom,
          bus: this.bus,
          store: this.store,
          presence,
          logger,
          heartbeatMs: scenario.topology.heartbeatMs,
          downAfterMs: scenario.topology.downAfterMs,
          ...(options.mutant === 'reorder-transport'
            ? { wrapTransport: (t: Transport) => reorderingTransport(t, clock, mutantRandom) }
            : {}),
          ownsEverything: options.mutant === 'split-ownership',
        }),
      );
    }
    const clientLatency = stream(seed, 'client-network');
    this.socketHost = this.makeSocketHost(sampler(scenario.network.clientLatencyMs, clientLatency));
    this.workloadEndMs = scenario.workload.stopS * 1000;
    this.endMs = scenario.durationS * 1000 + scenario.checks.convergenceS * 1000;
  }

  private logger(level: string): Logger {
    const lines = this.logLines;
    const clock = this.clock;
    return pino(
      { level, base: null, timestamp: () => `,"vt":${clock.now() - T0}` },
      {
        write: (s: string) => {
          if (lines.length < 20_000) lines.push(s.trimEnd());
        },
      },
    );
  }

  private makeSocketHost(latency: () => number): SocketHost {
    const world = this;
    return {
      clock: this.clock,
      latency,
      onClientFrame(link, text) {
        const id = link.client.url;
        world.trace.add(`c<${id}:${text}`);
        const who = identityOf(id);
        recordFrame(world.events, world.clock.now() - T0, who.user, who.device, link.node, text);
      },
      onClientFrameSent(link, text) {
        world.trace.add(`c>${link.client.url}:${text}`);
        if (world.ackEarly && text.startsWith('{"type":"message"')) {
          const id = (JSON.parse(text) as { id: string }).id;
          link.toClient(JSON.stringify({ type: 'ack', id, status: 'sent', ts: world.clock.now() }));
        }
      },
      onClientClose(link, code) {
        const who = identityOf(link.client.url);
        world.events.push({
          k: 'disconnect',
          t: world.clock.now() - T0,
          user: who.user,
          device: who.device,
          code,
        });
      },
      toEdge(link, msg) {
        const node = world.nodes.find((n) => n.name === link.node);
        if (msg.t === 'socket_closed') {
          node?.closed(link);
          world.links.delete(link);
        }
        if (
          node === undefined ||
          link.fence === undefined ||
          !link.fence.alive ||
          link.edge === undefined
        )
          return;
        node.member?.system.send(link.edge, msg);
      },
    };
  }

  /** The WebSocket class the devices' SDK clients construct. */
  private webSocketClass(): new (url: string) => SimWebSocket {
    const world = this;
    return class extends SimWebSocket {
      constructor(url: string) {
        super(world.socketHost, url, (link) => world.connectLink(link));
        const closed = this.closed.bind(this);
        this.closed = (code: number, reason: string) => {
          if (this.readyState !== 3) world.socketHost.onClientClose(link(this), code);
          closed(code, reason);
        };
      }
    };
    function link(ws: SimWebSocket): SimLink {
      return ws.link;
    }
  }

  private connectLink(link: SimLink): void {
    const { node: name, user, device } = identityOf(link.client.url);
    this.clock.setTimer(this.socketHost.latency(), () => {
      const node = this.nodes.find((n) => n.name === name);
      if (node?.accept(link, user, device)) this.links.add(link);
      else link.refused();
    });
  }

  /** Builds users, devices and groups, starts nodes, clients, workload and faults. */
  async setup(): Promise<void> {
    const s = this.scenario;
    for (const n of this.nodes) n.start();
    const users: string[] = [];
    const width = String(s.users.count).length;
    for (let i = 1; i <= s.users.count; i++) users.push(`u${String(i).padStart(width, '0')}`);
    const groupRandom = stream(this.seed, 'groups');
    const groupsOf = new Map<string, string[]>();
    for (let g = 1; g <= s.workload.groups.count && s.workload.groupShare > 0; g++) {
      const id = `g${g}`;
      const members = pick(users, s.workload.groups.size, groupRandom);
      this.groups[id] = members;
      for (const m of members) {
        const list = groupsOf.get(m) ?? [];
        list.push(id);
        groupsOf.set(m, list);
      }
      await this.store.inner.saveGroup(
        { id, name: id, members, admins: [members[0]!], createdBy: members[0]!, createdTs: T0 },
        0,
      );
    }
    const urls = this.nodes.map((n) => n.url);
    const deviceEnv = {
      clock: this.clock,
      random: stream(this.seed, 'clients'),
      t0: T0,
      scenario: s,
      urls,
      WebSocket: this.webSocketClass(),
      jitter: () => this.jitter,
    };
    let index = 0;
    const startRandom = stream(this.seed, 'start');
    for (const user of users) {
      const list: Device[] = [];
      for (let d = 1; d <= s.users.devicesPerUser; d++) {
        const device = makeDevice(deviceEnv, user, `${user}d${d}`, index++);
        list.push(device);
        this.devices.push(device);
        this.clock.setTimer(
          startRandom.int(1000),
          () => void device.client.connect().catch(() => {}),
        );
      }
      this.devicesOf.set(user, list);
    }
    startWorkload({
      clock: this.clock,
      random: stream(this.seed, 'workload'),
      t0: T0,
      scenario: s,
      users,
      devicesOf: this.devicesOf,
      groupsOf,
      events: this.events,
    });
    scheduleFaults({
      clock: this.clock,
      random: stream(this.seed, 'faults'),
      t0: T0,
      scenario: s,
      nodes: this.nodes,
      bus: this.bus,
      store: this.store,
      trace: this.trace,
      windows: this.windows,
      links: () => [...this.links].filter((l) => l.state === 'open'),
      setJitter: (on) => {
        this.jitter = on;
      },
    });
    const sample = () => {
      this.sampleNodes();
      this.options.onProgress?.(this.clock.now() - T0);
      this.clock.setTimer(SAMPLE_MS, sample);
    };
    this.clock.setTimer(0, sample);
  }

  private sampleNodes(): void {
    const t = this.clock.now() - T0;
    for (const n of this.nodes) {
      const m = n.member;
      const view = m?.membership?.view();
      this.samples.push({
        t,
        node: n.name,
        alive: n.state === 'up',
        isolated: m?.membership?.isolated() ?? false,
        viewVersion: view?.version ?? 0,
        members: view?.members.map((x) => `${x.node}@${x.creation}`) ?? [],
        actors: m?.system.actorCount ?? 0,
        sessions: n.sessions.size,
      });
    }
  }

  /** Runs until virtual `untilMs` (since the start). */
  async runUntil(untilMs: number): Promise<void> {
    const target = T0 + untilMs;
    const clock = this.clock;
    for (;;) {
      await this.settle();
      const next = clock.nextTimerAt();
      if (next === undefined || next > target) break;
      clock.setNow(next);
      clock.fireDue();
    }
    clock.setNow(target);
  }

  private async settle(): Promise<void> {
    for (let rounds = 0; ; rounds++) {
      const n = this.scheduler.runReady() + this.clock.runDeferred();
      await flushMicrotasks();
      if (n === 0 && this.scheduler.readyCount === 0 && !this.clock.hasDeferred) return;
      if (rounds > 1_000_000)
        throw new Error('simulation: not quiet after 1,000,000 rounds (a livelock?)');
    }
  }

  /** Closes every client (so nothing keeps timers) once the run is over. */
  stop(): void {
    for (const d of this.devices) d.client.close();
  }

  history(): History {
    return {
      events: this.events,
      issued: this.store.issued,
      faults: this.windows,
      devices: this.devices.map((d) => ({ user: d.user, device: d.device })),
      groups: this.groups,
      workloadEndMs: this.workloadEndMs,
      endMs: this.endMs,
      counters: {
        busMessages: this.bus.stats.delivered,
        storeCalls: this.store.stats.calls,
        actorMessages: this.scheduler.steps,
      },
    };
  }
}

function pick(users: readonly string[], n: number, random: Random): string[] {
  const copy = [...users];
  for (let i = 0; i < n && i < copy.length; i++) {
    const j = i + random.int(copy.length - i);
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy.slice(0, Math.min(n, copy.length)).sort();
}
