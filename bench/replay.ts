/**
 * replay: time to deliver a backlog of queued messages to a reconnecting
 * device. Metric: replay_ms, connect to the last of `--messages` messages.
 *
 * A server child on a fresh data directory. `--senders` users (each within
 * the per-connection burst of 200 frames) send `--messages` messages in all
 * to one offline user; the benchmark waits for every `sent` ack and, through
 * the node's /metrics, for the forwards to land in the recipient's inbox (one
 * `clearPending` per confirmed forward), then closes the senders. The
 * recipient's device then connects and the clock runs from opening the
 * socket to the arrival of the last message (checked: all distinct, in
 * `seq` order). The device does not ack (so the backlog stays), which lets
 * the same replay be timed `--repeat` times by reconnecting, and once more
 * after a server restart on the same data (`cold`: the user actor is
 * activated from the store, whose pages the OS still caches). Last, one
 * replay in which the device acks `delivered` on every arrival as the SDK
 * does (`ackingReplayMs`, and the error frames it got back by code).
 *
 * Defaults: --messages 10000, --senders 100, --repeat 3. Target ≤ 1000 ms.
 * `--cpu-prof FILE`: a CPU profile of the server's main thread over the first
 * replay (see `bench/load/profile-top.ts`).
 */
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { arg, argString } from './args.ts';
import { load1, machine, sleepMs } from './load/machine.ts';
import { scrape, storeCalls } from './load/server-metrics.ts';
import { type ServerProcess, startServer } from './load/server-process.ts';
import { mapLimit, signedTokens } from './load/tokens.ts';
import { type Conn, connect, type ServerFrame } from './load/ws-client.ts';
import type { BenchResult } from './run.ts';

const log = (line: string) => process.stderr.write(`[replay] ${line}\n`);
const TIMEOUT_MS = 60_000;

interface Replay {
  readonly totalMs: number;
  /** Error frames by code (only the acking replay sends anything). */
  readonly errors: Record<string, number>;
  readonly welcomeMs: number;
  readonly firstMs: number;
  readonly received: number;
  readonly inOrder: boolean;
}

async function sendBacklog(
  server: ServerProcess,
  prefix: string,
  recipient: string,
  messages: number,
  senders: number,
): Promise<number> {
  const tokens = signedTokens(server.secret);
  const per = Math.ceil(messages / senders);
  if (per > 200)
    throw new Error(`${per} messages per sender is over the burst of 200; use more --senders`);
  const before = await scrape(server.httpUrl);
  const t0 = performance.now();
  let acked = 0;
  let errors = 0;
  let allAcked!: () => void;
  const done = new Promise<void>((resolve) => {
    allAcked = resolve;
  });
  const onFrame = (f: ServerFrame) => {
    if (f.type === 'ack' && f.status === 'sent' && ++acked === messages) allAcked();
    if (f.type === 'error') errors++;
  };
  const conns = await mapLimit(
    Array.from({ length: senders }, (_, i) => i),
    50,
    async (i) => {
      const user = `${prefix}s${i}`;
      return connect({
        url: server.url,
        token: await tokens(user, 'd'),
        user,
        device: 'd',
        timeoutMs: TIMEOUT_MS,
        onFrame,
      });
    },
  );
  let sent = 0;
  for (let i = 0; i < conns.length && sent < messages; i++) {
    for (let j = 0; j < per && sent < messages; j++, sent++) {
      conns[i]!.sendText(
        `{"type":"message","id":"m${j}","to":"${recipient}","content":{"type":"text","body":"backlog message ${sent} ${'x'.repeat(64)}"}}`,
      );
    }
  }
  await withTimeout(
    done,
    TIMEOUT_MS,
    () => `only ${acked}/${messages} sent acks (${errors} errors)`,
  );
  const sentMs = Math.round(performance.now() - t0);
  // Every forward confirmed by the recipient's actor clears one pending mark.
  for (;;) {
    const calls = storeCalls(before, await scrape(server.httpUrl));
    if ((calls.clearPending?.count ?? 0) >= messages) break;
    if (performance.now() - t0 > TIMEOUT_MS) throw new Error('forwards did not all land in time');
    await sleepMs(100);
  }
  log(
    `${messages} messages sent and acked in ${sentMs} ms; in the inbox after ${Math.round(performance.now() - t0)} ms`,
  );
  for (const c of conns) c.close();
  return sentMs;
}

async function timeReplay(
  server: ServerProcess,
  recipient: string,
  messages: number,
  ack = false,
): Promise<Replay> {
  const token = await signedTokens(server.secret)(recipient, 'phone');
  let received = 0;
  let lastSeq = 0;
  let inOrder = true;
  let firstMs = 0;
  const ids = new Set<string>();
  const errors: Record<string, number> = {};
  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const t0 = performance.now();
  const conn: Conn = await connect({
    url: server.url,
    token,
    user: recipient,
    device: 'phone',
    timeoutMs: TIMEOUT_MS,
    onFrame: (f, c) => {
      if (f.type === 'error') errors[f.code ?? '?'] = (errors[f.code ?? '?'] ?? 0) + 1;
      if (f.type !== 'message') return;
      if (ack)
        c.sendText(
          `{"type":"ack","id":${JSON.stringify(f.id)},"from":${JSON.stringify(f.from)},"status":"delivered"}`,
        );
      if (received === 0) firstMs = performance.now() - t0;
      const seq = f.seq as number;
      if (seq <= lastSeq) inOrder = false;
      lastSeq = seq;
      ids.add(`${f.from}/${f.id}`);
      if (++received === messages) finished();
    },
  });
  const welcomeMs = performance.now() - t0;
  await withTimeout(done, TIMEOUT_MS, () => `only ${received}/${messages} replayed`);
  const totalMs = performance.now() - t0;
  await sleepMs(ack ? 3000 : 0); // let the answers to the acks come back
  conn.ws.terminate();
  await sleepMs(300);
  if (ids.size !== messages) throw new Error(`replayed ${ids.size} distinct of ${messages}`);
  const r3 = (x: number) => Math.round(x * 10) / 10;
  return {
    totalMs: r3(totalMs),
    errors,
    welcomeMs: r3(welcomeMs),
    firstMs: r3(firstMs),
    received,
    inOrder,
  };
}

function withTimeout<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<T>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what()}`)), ms);
    }),
  ]);
}

export default async function replay(args: string[]): Promise<BenchResult> {
  const messages = arg(args, 'messages', 10_000);
  const senders = arg(args, 'senders', 100);
  const repeat = arg(args, 'repeat', 3);
  const cpuProf = argString(args, 'cpu-prof', '');
  const at = await machine();
  const prefix = `r${randomBytes(3).toString('hex')}`;
  const recipient = `${prefix}rcpt`;
  let server = await startServer();
  const dataDir = server.dataDir;
  const warm: Replay[] = [];
  let cold: Replay | undefined;
  let acking: Replay | undefined;
  let sendMs = 0;
  try {
    sendMs = await sendBacklog(server, prefix, recipient, messages, senders);
    await sleepMs(1000);
    for (let i = 0; i < repeat; i++) {
      if (i === 0 && cpuProf !== '') await server.profileStart();
      const r = await timeReplay(server, recipient, messages);
      if (i === 0 && cpuProf !== '') log(`profile: ${await server.profileStop(cpuProf)}`);
      log(`reconnect ${i + 1}: ${JSON.stringify(r)}`);
      warm.push(r);
    }
    await server.stop(true);
    server = await startServer({ dataDir, secret: server.secret });
    cold = await timeReplay(server, recipient, messages);
    log(`after a restart: ${JSON.stringify(cold)}`);
    acking = await timeReplay(server, recipient, messages, true);
    log(`acking every message on arrival: ${JSON.stringify(acking)}`);
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const totals = warm.map((r) => r.totalMs);
  return {
    metric: 'replay_ms',
    value: totals[0] ?? 0,
    unit: 'ms',
    target: 1000,
    messages,
    messagesPerS: totals[0] ? Math.round((messages / totals[0]) * 1000) : 0,
    repeats: totals,
    welcomeMs: warm[0]?.welcomeMs,
    firstMessageMs: warm[0]?.firstMs,
    inOrder: warm.every((r) => r.inOrder) && (cold?.inOrder ?? true),
    coldAfterRestartMs: cold?.totalMs,
    ackingReplayMs: acking?.totalMs,
    ackingReplayErrors: acking?.errors,
    backlogSendMs: sendMs,
    loadAvg1: load1(),
    machine: at,
  };
}
