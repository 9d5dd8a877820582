/**
 * The suite's MQTT transport (docs/mqtt.md): a raw `MqttClient` on the
 * node's MQTT port, the token as the password (and its `sub` as the
 * username), JSON frames as PUBLISH payloads. Not a WebSocket: the suite
 * leaves out upgrades and close codes, which `mqtt.test.ts` covers in MQTT's
 * own terms. Its own file, so `transports.ts` does not load `mqtt`.
 */
import { MqttClient } from '../support/mqtt-client.ts';
import { type ClientTransport, jsonWire } from './transports.ts';

export const mqttJson: ClientTransport = {
  name: 'mqtt',
  websocket: false,
  wire: jsonWire,
  open(target, node, options) {
    const urls = target.mqttUrls;
    if (urls === undefined || urls.length === 0)
      throw new Error(
        'this target serves no MQTT: give it mqttUrls (start its nodes with mqttPort)',
      );
    return MqttClient.open(urls[node % urls.length]!, {
      token: options.token,
      timeoutMs: options.timeoutMs,
    });
  },
};
