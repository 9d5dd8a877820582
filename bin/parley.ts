/**
 * `npm start`: one Parley node. On the embedded defaults (LMDB in
 * `PARLEY_DATA_DIR`, default `./data`) it is a single node; with
 * `PARLEY_NATS_URL`, `PARLEY_REDIS_URL` and `PARLEY_CASSANDRA` it joins a
 * cluster. Settings: `bin/node-config.ts`. A bad or unreachable setting is
 * one line on stderr and exit code 2.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bannerText, startupLog } from './banner.ts';
import { startClusterNode } from './cluster-node.ts';
import { EdgeEnvError, readEdgeSettings } from './edge-env.ts';
import { ConfigError, type NodeSettings, readNodeSettings } from './node-config.ts';
import { PushEnvError, readPushEnv } from './push-env.ts';
import { type RunningNode, StartupError } from './running-node.ts';
import { startSingleNode } from './single-node.ts';

const here = dirname(fileURLToPath(import.meta.url));
const webRoot = join(here, '..', 'web');

function fail(message: string): never {
  console.error(`parley: ${message}`);
  process.exit(2);
}

let settings: NodeSettings;
try {
  settings = readNodeSettings(process.env);
  readEdgeSettings(process.env);
  readPushEnv(process.env);
} catch (err) {
  if (err instanceof ConfigError || err instanceof EdgeEnvError || err instanceof PushEnvError)
    fail(err.message);
  throw err;
}
// Log lines wait until the human banner is out (JSON when stdout is not a terminal).
const startup = startupLog({
  level: process.env.PARLEY_LOG_LEVEL ?? 'info',
  base: { node: settings.node },
});
const log = startup.log;

let running: RunningNode;
try {
  running =
    settings.cluster === undefined
      ? await startSingleNode(settings, log, webRoot)
      : await startClusterNode(settings, settings.cluster, log, webRoot);
} catch (err) {
  if (err instanceof StartupError) fail(err.message);
  const code = (err as { code?: unknown }).code;
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL')
    fail(`cannot listen on ${settings.host}:${settings.port}: ${(err as Error).message}`);
  throw err;
}
startup.open(bannerText({ ...settings, port: running.port, mqttPort: running.mqttPort }));
void running.finished.then(() => process.exit(0));
process.on('SIGINT', () => void running.stop('SIGINT'));
process.on('SIGTERM', () => void running.stop('SIGTERM'));
