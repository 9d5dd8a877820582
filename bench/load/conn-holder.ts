/**
 * Child process of the `connections` benchmark: holds idle WebSocket
 * connections so the benchmark process stays under the per-process open-files
 * cap. Told over IPC `{t:"open", url, secret, prefix, from, count,
 * concurrency, timeoutMs}`, it connects users `${prefix}${from}` ..
 * `${prefix}${from + count - 1}` (each waits for `welcome`), answers
 * `{t:"ready", connected, failed, firstError, ms}`, keeps them open (the `ws`
 * library answers the server's heartbeat pings), and on `{t:"close"}` closes
 * them all and exits. It exits too if the parent goes away.
 */
import { mapLimit, signedTokens } from './tokens.ts';
import { type Conn, connect } from './ws-client.ts';

interface OpenRequest {
  readonly t: 'open';
  readonly url: string;
  readonly secret: string;
  readonly prefix: string;
  readonly from: number;
  readonly count: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
}

const conns: Conn[] = [];
let closedByServer = 0;

async function open(req: OpenRequest): Promise<void> {
  const tokens = signedTokens(req.secret);
  const t0 = performance.now();
  let failed = 0;
  let firstError: string | undefined;
  const indexes = Array.from({ length: req.count }, (_, i) => req.from + i);
  await mapLimit(indexes, req.concurrency, async (i) => {
    const user = `${req.prefix}${i}`;
    try {
      conns.push(
        await connect({
          url: req.url,
          token: await tokens(user, 'd'),
          user,
          device: 'd',
          timeoutMs: req.timeoutMs,
          onFrame: () => {},
          onClose: () => {
            closedByServer++;
          },
        }),
      );
    } catch (err) {
      failed++;
      firstError ??= String(err);
    }
  });
  process.send?.({
    t: 'ready',
    connected: conns.length,
    failed,
    firstError,
    ms: Math.round(performance.now() - t0),
  });
}

process.on('message', (m: OpenRequest | { t: 'close' } | { t: 'status' }) => {
  if (m.t === 'open') void open(m);
  else if (m.t === 'status')
    process.send?.({
      t: 'status',
      open: conns.filter((c) => c.ws.readyState === c.ws.OPEN).length,
      closedByServer,
    });
  else if (m.t === 'close') {
    for (const c of conns) c.ws.terminate();
    process.exit(0);
  }
});
process.on('disconnect', () => process.exit(0));
