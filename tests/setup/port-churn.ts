/**
 * Reproduces the "found no free loopback port pair" start-up failure: opens
 * and closes many loopback connections, as a load test does (the client
 * closes first, so its ephemeral ports sit in TIME_WAIT for 60 s), then
 * checks how the port pickers fare.
 *
 * `npx tsx tests/setup/port-churn.ts [connections=15000] [--cassandra]` prints,
 * for the OS's choice (`listen(0)`, the ephemeral range) and for `pickPort`
 * (outside it), how often a port P *and* P+1 could be bound, as Cassandra's
 * storage and SSL storage ports need; with `--cassandra` it then starts a
 * test node, while the TIME_WAIT sockets still stand (they last 60 s). Before
 * the fix the setup used the first picker; it failed when every P+1 it tried
 * was held by a TIME_WAIT socket of the load test.
 */
import { createConnection, createServer, type Server } from 'node:net';
import { startOwnedCassandra } from './cassandra.ts';
import { canListen, ephemeralRange, pickPort } from './free-port.ts';

const args = process.argv.slice(2);
const connections = Number(args.find((a) => /^\d+$/.test(a)) ?? 15_000);
const withCassandra = args.includes('--cassandra');
const BATCH = 500;

async function churn(count: number): Promise<void> {
  const server: Server = createServer((s) => s.on('error', () => {}).resume());
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as { port: number };
  for (let done = 0; done < count; done += BATCH) {
    await Promise.all(
      Array.from(
        { length: Math.min(BATCH, count - done) },
        () =>
          new Promise<void>((ok) => {
            const c = createConnection({ host: '127.0.0.1', port }, () => c.end());
            c.on('close', () => ok());
            c.on('error', () => ok());
          }),
      ),
    );
  }
  await new Promise<void>((done) => server.close(() => done()));
}

/** The old picker: a port the OS picks, then checks that port+1 is free too. */
async function osPair(): Promise<boolean> {
  const server = createServer();
  const port = await new Promise<number>((done) =>
    server.listen(0, '127.0.0.1', () => done((server.address() as { port: number }).port)),
  );
  await new Promise<void>((done) => server.close(() => done()));
  return canListen(port + 1);
}

const [low, high] = ephemeralRange();
const startedMs = Date.now();
await churn(connections);
console.log(
  `opened and closed ${connections} loopback connections in ${((Date.now() - startedMs) / 1000).toFixed(1)} s (ephemeral range ${low}-${high})`,
);
let osOk = 0;
for (let i = 0; i < 100; i++) if (await osPair()) osOk++;
console.log(`listen(0) then port+1: ${osOk}/100 pairs bindable`);
let picked = 0;
const failures: string[] = [];
for (let i = 0; i < 100; i++) {
  try {
    await pickPort({ span: 2 });
    picked++;
  } catch (err) {
    failures.push((err as Error).message);
  }
}
console.log(
  `pickPort({ span: 2 }): ${picked}/100 pairs found${failures[0] ? `; ${failures[0]}` : ''}`,
);

if (withCassandra) {
  const t = Date.now();
  const node = await startOwnedCassandra({ heap: '512m' });
  console.log(
    `Cassandra started at ${node.contactPoint} ${((Date.now() - t) / 1000).toFixed(1)} s after the churn`,
  );
  await node.stop();
}
