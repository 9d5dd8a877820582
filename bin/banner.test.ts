import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { bannerText, openUrl, startupLog } from './banner.ts';

function sink(isTTY: boolean) {
  const chunks: string[] = [];
  const out = Object.assign(
    new Writable({
      write(chunk: Buffer, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
    { isTTY },
  );
  return { out, text: () => chunks.join('') };
}

describe('bannerText', () => {
  it('prints the MQTT address only when an MQTT port is bound', () => {
    const base = { host: '127.0.0.1', port: 8080, dataDir: './data', devTokens: undefined };
    expect(bannerText(base)).not.toContain('mqtt://');
    expect(bannerText({ ...base, mqttPort: 1883 })).toContain(
      'mqtt     mqtt://127.0.0.1:1883 (username = user id, password = token; topics parley/v1/<user>/<device>/up and /down)',
    );
  });

  it('gives the URL, the absolute data path and a ready curl line for a token', () => {
    const text = bannerText({
      host: '127.0.0.1',
      port: 8080,
      dataDir: './data',
      devTokens: undefined,
    });
    expect(text).toContain('Open http://127.0.0.1:8080/ in a browser');
    expect(text).toContain(`data     ${resolve('./data')}`);
    expect(text).toContain(
      `token    curl -s -X POST -H 'Content-Type: application/json' -d '{"user":"alice"}' http://127.0.0.1:8080/api/v1/dev/tokens`,
    );
    expect(text).not.toContain('parley node serving');
    for (const line of text.split('\n')) expect(() => JSON.parse(line)).toThrow();
  });

  it('says how to get a token when dev tokens are off (a non-loopback bind)', () => {
    const text = bannerText({
      host: '0.0.0.0',
      port: 9000,
      dataDir: '/srv/p',
      devTokens: undefined,
    });
    expect(text).toContain('Open http://127.0.0.1:9000/');
    expect(text).toContain(
      'dev tokens are off: sign HS256 JWTs (sub = user id) with PARLEY_JWT_SECRET',
    );
  });

  it('brackets IPv6 hosts', () => {
    expect(openUrl('::1', 80)).toBe('http://[::1]:80');
    expect(openUrl('::', 80)).toBe('http://[::1]:80');
  });
});

describe('startupLog', () => {
  it('holds log lines until the banner is out, then writes JSON lines when not a terminal', () => {
    const { out, text } = sink(false);
    const startup = startupLog({ level: 'info', base: { node: 'n1' }, out });
    startup.log.info({ port: 1 }, 'parley node serving');
    expect(text()).toBe('');
    startup.open('BANNER\n');
    startup.log.warn('later');
    const lines = text().split('\n');
    expect(lines[0]).toBe('BANNER');
    expect(JSON.parse(lines[1]!)).toMatchObject({
      msg: 'parley node serving',
      port: 1,
      node: 'n1',
    });
    expect(JSON.parse(lines[2]!)).toMatchObject({ msg: 'later', level: 40 });
  });

  it('writes pretty lines on a terminal', () => {
    const { out, text } = sink(true);
    const startup = startupLog({ level: 'info', base: {}, out });
    startup.open('B\n');
    startup.log.info('hello there');
    expect(text().startsWith('B\n')).toBe(true);
    expect(text()).toContain('hello there');
    expect(() => JSON.parse(text().split('\n')[1]!)).toThrow();
  });
});
