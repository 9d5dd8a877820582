/**
 * Helpers for the web client's browser test (`tests/web-client.test.ts`):
 * small media files built in memory (a PNG gradient, a WAV tone), and
 * "script users" that chat over a plain WebSocket (`WsClient`) to set up
 * what a page should then show.
 */
import { crc32, deflateSync } from 'node:zlib';
import { type Frame, WsClient } from './ws-client.ts';

/** A `width`×`height` RGB gradient PNG. */
export function png(width: number, height: number): Buffer {
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    const row = y * (width * 3 + 1);
    for (let x = 0; x < width; x++) {
      raw[row + 1 + x * 3] = Math.round((255 * x) / width);
      raw[row + 2 + x * 3] = 128;
      raw[row + 3 + x * 3] = Math.round((255 * y) / height);
    }
  }
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body) >>> 0);
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A mono 16-bit PCM WAV: a 440 Hz tone of `seconds` at 8 kHz. */
export function wav(seconds: number): Buffer {
  const rate = 8000;
  const samples = Math.round(seconds * rate);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++)
    data.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / rate)), i * 2);
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28); // byte rate
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** A dev token from the node at `base`. */
export async function devToken(base: string, user: string, device: string): Promise<string> {
  const res = await fetch(`${base}/api/v1/dev/tokens`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ user, device }),
  });
  const body = (await res.json()) as { token?: string };
  if (!res.ok || body.token === undefined)
    throw new Error(`no dev token for ${user} (HTTP ${res.status}): ${JSON.stringify(body)}`);
  return body.token;
}

/** A user chatting over a plain WebSocket, to set up what a page should show. */
export class ScriptUser {
  private ids = 0;

  private constructor(
    readonly user: string,
    readonly client: WsClient,
  ) {}

  static async open(base: string, user: string, device = 'script'): Promise<ScriptUser> {
    const token = await devToken(base, user, device);
    const client = await WsClient.open(`${base.replace('http', 'ws')}/ws`, { token });
    await client.waitFor((f) => f.type === 'welcome');
    return new ScriptUser(user, client);
  }

  /** Sends one message (`to` a user, or `group`); resolves at its `sent` ack. */
  async send(
    target: { to: string } | { group: string },
    content: Readonly<Record<string, unknown>>,
    id = `${this.user}-${++this.ids}-${Date.now()}`,
  ): Promise<string> {
    const from = this.client.mark();
    this.client.send({ type: 'message', id, ...target, content });
    const answer = await this.client.waitFor(
      (f) => (f.type === 'ack' && f.id === id && f.status === 'sent') || f.type === 'error',
      10_000,
      from,
    );
    if (answer.type === 'error')
      throw new Error(`${this.user} could not send: ${JSON.stringify(answer)}`);
    return id;
  }

  /** Sends a text `body`. */
  text(target: { to: string } | { group: string }, body: string, id?: string): Promise<string> {
    return this.send(target, { type: 'text', body }, id);
  }

  /** Creates a group; resolves to its `group` frame. */
  async createGroup(name: string, members: string[]): Promise<Frame> {
    const reply = await this.client.request({ type: 'group.create', name, members }, 10_000);
    if (reply.type !== 'group') throw new Error(`group.create answered ${JSON.stringify(reply)}`);
    return reply;
  }

  close(): Promise<unknown> {
    return this.client.close();
  }
}
