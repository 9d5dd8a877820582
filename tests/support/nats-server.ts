/**
 * A real `nats-server` for the tests (Debian's package, installed with apt-get
 * when missing: `ensureNatsServer()`).
 *
 * `startNatsServer()` runs one on 127.0.0.1 only (`-a 127.0.0.1 -p PORT`), on
 * a port outside the ephemeral range that no other run holds (a start that
 * lost its port is retried on a fresh one), with no persistent state (no
 * JetStream, no store folder), and resolves once it logged "Server is ready".
 * `restart()` keeps the port, so clients reconnect to the same URL; `kill()`
 * is a crash (SIGKILL). Every server is killed when the test process exits.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureDebianBinary } from '../setup/debian-package.ts';
import { startServiceProcess } from '../setup/service-process.ts';

export interface NatsServerOptions {
  /** Exactly this port (no retry elsewhere); default a fresh free one. */
  readonly port?: number;
  /** The server's `max_payload` in bytes (default: nats-server's 1 MiB). */
  readonly maxPayload?: number;
  /** More command-line arguments for nats-server. */
  readonly args?: readonly string[];
}

export interface NatsServer {
  /** `nats://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The pid of the current process (changes on restart). */
  readonly pid: number;
  /** Ends the server and removes its folder. Idempotent. */
  stop(): Promise<void>;
  /** Stops the server, then starts it again on the same port. */
  restart(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): void;
}

/** The absolute path of nats-server, installing Debian's `nats-server` package when missing. */
export function ensureNatsServer(): Promise<string> {
  return ensureDebianBinary({ binary: 'nats-server', pkg: 'nats-server' });
}

export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = await ensureNatsServer();
  const { maxPayload } = options;
  if (maxPayload !== undefined && (!Number.isInteger(maxPayload) || maxPayload <= 0))
    throw new Error(`maxPayload must be a positive integer of bytes, got ${maxPayload}`);
  const service = await startServiceProcess(
    {
      name: 'nats',
      binary,
      args: (port, home) => {
        const args = ['-a', '127.0.0.1', '-p', String(port)];
        // max_payload has no command-line flag: it goes in a config file.
        if (maxPayload !== undefined) args.push('-c', join(home, 'nats.conf'));
        return [...args, ...(options.args ?? [])];
      },
      ready: /Server is ready/,
      bindFailed: /address already in use/i,
      prepare: async (home) => {
        if (maxPayload !== undefined)
          await writeFile(join(home, 'nats.conf'), `max_payload: ${maxPayload}\n`);
      },
    },
    options.port,
  );
  return {
    url: `nats://127.0.0.1:${service.port}`,
    port: service.port,
    get pid() {
      return service.pid;
    },
    stop: () => service.stop(),
    restart: () => service.restart(),
    kill: () => service.kill(),
  };
}
