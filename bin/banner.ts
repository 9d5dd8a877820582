/**
 * What `npm start` prints: first a short block for a person (the URL to
 * open, where the data lives, how to get a token), then the logs, pretty
 * (pino-pretty) when stdout is a terminal and JSON lines otherwise, so
 * scripts and log shippers read the same JSON as before.
 *
 * The logger starts with its output held: lines logged while the node
 * starts wait until `open(banner)` writes the banner and then them, so the
 * banner is the first thing on screen and can carry the port actually bound.
 * Held lines are written at process exit too, so a start that fails still
 * shows why. Only stdout is used; nothing here reads the environment.
 */
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export interface StartupLog {
  readonly log: Logger;
  /** Writes `banner` (when given), then the held log lines; later lines go straight out. */
  open(banner?: string): void;
}

export interface StartupLogOptions {
  readonly level: string;
  readonly base: Readonly<Record<string, unknown>>;
  /** Default: whether `out` is a terminal. */
  readonly pretty?: boolean;
  /** Default: process.stdout. */
  readonly out?: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Holds what is written until opened, then passes it through. */
class Gate extends Writable {
  private held: (Buffer | string)[] | undefined = [];

  constructor(private readonly out: NodeJS.WritableStream) {
    super({ decodeStrings: false });
  }

  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    if (this.held !== undefined) this.held.push(chunk);
    else this.out.write(chunk);
    done();
  }

  open(first?: string): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    if (first !== undefined) this.out.write(first);
    for (const chunk of held) this.out.write(chunk);
  }
}

export function startupLog(options: StartupLogOptions): StartupLog {
  const out = options.out ?? process.stdout;
  const gate = new Gate(out);
  const human = options.pretty ?? out.isTTY === true;
  const destination = human
    ? pretty({
        destination: gate,
        sync: true,
        colorize: true,
        translateTime: 'SYS:HH:MM:ss.l',
        ignore: 'pid,hostname',
      })
    : gate;
  const log = pino({ level: options.level, base: { ...options.base } }, destination);
  // A start that fails exits before `open`: its log lines must still be seen.
  process.once('exit', () => gate.open());
  return { log, open: (banner) => gate.open(banner) };
}

export interface BannerInfo {
  /** The bind address (`HOST`). */
  readonly host: string;
  /** The port actually bound. */
  readonly port: number;
  /** The MQTT port actually bound; undefined: no MQTT listener. */
  readonly mqttPort?: number | undefined;
  /** `PARLEY_DATA_DIR` as given; shown absolute. */
  readonly dataDir: string;
  /** Whether dev tokens are served; undefined: the default (on for a loopback bind). */
  readonly devTokens: boolean | undefined;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** The URL a person on this machine opens: a wildcard bind is reached on loopback. */
export function openUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${h.includes(':') ? `[${h}]` : h}:${port}`;
}

/** The human block printed before the logs; ends with a blank line. */
export function bannerText(info: BannerInfo): string {
  const url = openUrl(info.host, info.port);
  const devTokens = info.devTokens ?? LOOPBACK.has(info.host);
  const token = devTokens
    ? `curl -s -X POST -H 'Content-Type: application/json' -d '{"user":"alice"}' ${url}/api/v1/dev/tokens`
    : 'dev tokens are off: sign HS256 JWTs (sub = user id) with PARLEY_JWT_SECRET';
  return [
    '',
    `  Parley is running. Open ${url}/ in a browser (two windows: two users).`,
    '',
    `  data     ${resolve(info.dataDir)}`,
    `  token    ${token}`,
    `  socket   ${url.replace(/^http/, 'ws')}/ws?token=<token>`,
    ...(info.mqttPort === undefined
      ? []
      : [
          `  mqtt     ${url.replace(/^http/, 'mqtt').replace(/:\d+$/, `:${info.mqttPort}`)} (username = user id, password = token; topics parley/v1/<user>/<device>/up and /down)`,
        ]),
    '',
    '  Logs follow.',
    '',
    '',
  ].join('\n');
}
