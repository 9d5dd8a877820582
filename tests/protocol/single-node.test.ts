/**
 * The protocol suite against one real server process (`bin/parley.ts`, LMDB
 * in a fresh data directory), as a client out there would meet it.
 */
import { startServerProcess } from '../support/server-process.ts';
import { runProtocolSuite } from './guarantees.ts';
import { tokensFor } from './harness.ts';

runProtocolSuite('protocol v1 against a server process', async () => {
  const server = await startServerProcess();
  return {
    urls: [server.url],
    httpUrls: [server.httpUrl],
    secret: server.secret,
    token: tokensFor(server.secret),
    close: () => server.stop(),
  };
});
