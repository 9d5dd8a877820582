/**
 * A real `redis-server` for the tests (Debian's package, installed with
 * apt-get when missing: `ensureRedisServer()`).
 *
 * `startRedisServer()` runs one on 127.0.0.1 only, on a port outside the
 * ephemeral range that no other run holds (a start that lost its port is
 * retried on a fresh one), in the foreground, with persistence off
 * (`--save '' --appendonly no`) and a temporary working folder it removes on
 * `stop()`; it resolves once Redis logged "Ready to accept connections".
 * `restart()` keeps the port (the data is gone: nothing is persisted);
 * `kill()` is a crash (SIGKILL). Every server is killed when the test
 * process exits.
 */
import { ensureDebianBinary } from '../setup/debian-package.ts';
import { startServiceProcess } from '../setup/service-process.ts';

export interface RedisServerOptions {
  /** Exactly this port (no retry elsewhere); default a fresh free one. */
  readonly port?: number;
}

export interface RedisServer {
  /** `redis://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** The pid of the current process (changes on restart). */
  readonly pid: number;
  /** Ends the server and removes its folder. Idempotent. */
  stop(): Promise<void>;
  /** Stops the server, then starts it again (empty) on the same port. */
  restart(): Promise<void>;
  /** SIGKILL: a crash. */
  kill(): void;
}

/** The absolute path of redis-server, installing Debian's `redis-server` package when missing. */
export function ensureRedisServer(): Promise<string> {
  return ensureDebianBinary({ binary: 'redis-server', pkg: 'redis-server' });
}

export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  const binary = await ensureRedisServer();
  const service = await startServiceProcess(
    {
      name: 'redis',
      binary,
      args: (port, home) => [
        '--bind',
        '127.0.0.1',
        '--port',
        String(port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--dir',
        home,
      ],
      ready: /Ready to accept connections/,
      bindFailed: /Address already in use|Could not create server TCP listening socket/i,
    },
    options.port,
  );
  return {
    url: `redis://127.0.0.1:${service.port}`,
    port: service.port,
    get pid() {
      return service.pid;
    },
    stop: () => service.stop(),
    restart: () => service.restart(),
    kill: () => service.kill(),
  };
}
