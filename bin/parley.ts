/**
 * `npm start`: one Parley node on the embedded defaults (LMDB in
 * `PARLEY_DATA_DIR`, default `./data`), serving protocol v1 and the web client
 * on http://HOST:PORT (default 127.0.0.1:8080).
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startNode } from '../actors/node.ts';

const here = dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? 8080);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer 0..65535, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(2);
}
const devTokensEnv = process.env.PARLEY_DEV_TOKENS;
const node = await startNode({
  host: process.env.HOST ?? '127.0.0.1',
  port,
  dataDir: process.env.PARLEY_DATA_DIR ?? './data',
  ...(process.env.PARLEY_JWT_SECRET ? { jwtSecret: process.env.PARLEY_JWT_SECRET } : {}),
  ...(devTokensEnv !== undefined
    ? { devTokens: devTokensEnv === '1' || devTokensEnv === 'true' }
    : {}),
  ...(process.env.PARLEY_NODE ? { node: process.env.PARLEY_NODE } : {}),
  webRoot: join(here, '..', 'web'),
});

let stopping = false;
async function stop(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  node.system.log.info({ signal }, 'stopping');
  await node.close();
  process.exit(0);
}
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
