/**
 * The MQTT edge (docs/mqtt.md): an embedded broker whose connections are
 * Parley sessions, protocol v1 frames as payloads on per-user topics.
 */
export { authenticateConnect, ConnackCode, type MqttAuthResult } from './mqtt-auth.ts';
export {
  grantedKeepAlive,
  KEEP_ALIVE_MAX_SEC,
  type MqttServer,
  type MqttServerOptions,
  startMqttServer,
} from './mqtt-server.ts';
export { MqttEdgeSocket } from './mqtt-socket.ts';
export { downTopic, TOPIC_PREFIX, upTopic } from './topics.ts';
