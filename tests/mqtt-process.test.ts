/**
 * `PARLEY_MQTT_PORT` on a real `npm start` process (`bin/parley.ts`): the
 * MQTT listener on a free port, in the banner and the serving log line; an
 * MQTT client chats with a WebSocket client; SIGTERM sends MQTT clients
 * away with a `close` frame. Without the variable there is no listener.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { signDevToken } from '../actors/protocol/index.ts';
import { isType, text } from './protocol/harness.ts';
import { MqttClient } from './support/mqtt-client.ts';
import { type ServerProcess, startServerProcess } from './support/server-process.ts';
import { WsClient } from './support/ws-client.ts';

const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
});

/** The `mqttPort` of the server's "parley node serving" log line. */
function mqttPortOf(output: string): number | undefined {
  for (const line of output.split('\n')) {
    if (!line.includes('parley node serving')) continue;
    const record = JSON.parse(line) as { mqttPort?: unknown };
    return typeof record.mqttPort === 'number' ? record.mqttPort : undefined;
  }
  throw new Error(`no serving line in:\n${output}`);
}

describe('PARLEY_MQTT_PORT', () => {
  it('serves MQTT on a free port with PARLEY_MQTT_PORT=0: banner, chat with a WebSocket user, close 1001 on SIGTERM', async () => {
    const server = await startServerProcess({ env: { PARLEY_MQTT_PORT: '0' } });
    servers.push(server);
    const port = mqttPortOf(server.output);
    expect(port).toBeGreaterThan(0);
    expect(server.output).toContain(`mqtt     mqtt://127.0.0.1:${port} `);
    const m = await MqttClient.open(`mqtt://127.0.0.1:${port}`, {
      token: await signDevToken(server.secret, 'mia', 'phone'),
    });
    const w = await WsClient.open(server.url, {
      token: await signDevToken(server.secret, 'will', 'web'),
    });
    await m.waitFor(isType('welcome'));
    await w.waitFor(isType('welcome'));
    m.send({ type: 'message', id: 'p1', to: 'will', content: text('hi') });
    await m.waitFor(isType('ack', { id: 'p1', status: 'sent' }));
    await w.waitFor(isType('message', { id: 'p1', from: 'mia' }));
    w.send({ type: 'message', id: 'p2', to: 'mia', content: text('hey') });
    await m.waitFor(isType('message', { id: 'p2', from: 'will' }));
    const killed = server.kill('SIGTERM');
    expect((await m.closed).code).toBe(1001);
    await killed;
    w.terminate();
  });

  it('serves no MQTT without the variable', async () => {
    const server = await startServerProcess();
    servers.push(server);
    expect(mqttPortOf(server.output)).toBeUndefined();
    expect(server.output).not.toContain('mqtt://');
  });
});
