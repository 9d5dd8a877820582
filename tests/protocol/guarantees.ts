/**
 * The protocol-v1 acceptance suite: every rule and guarantee of
 * `../shared/PROTOCOL.md`, checked over real WebSockets with a raw client,
 * as one suite run against each kind of deployment (a server process; two
 * in-process nodes sharing a store). Tests share the target's server(s) and
 * keep apart by unique user ids.
 *
 * Every section is written once against `ProtocolClient`; the transport
 * (`transports.ts`: JSON or MessagePack over WebSocket, MQTT) is the
 * target's, so one suite checks every way in.
 *
 * Map (PROTOCOL.md → section):
 * - Connecting (tokens, 401, welcome, claims) → `connecting.ts`
 * - Frames, guarantee 7 (errors never fatal), rate limits → `frames.ts`
 * - Guarantees 2 (idempotent), 3 (at least once, shown once), 4 (order),
 *   backlog then live → `delivery.ts`
 * - Guarantee 5 (receipts) → `receipts.ts`
 * - Guarantees 6 (authorization) and 7 (nothing stored changes) → `authorization.ts`
 * - Guarantee 8 (groups) → `groups.ts`
 * - Guarantee 9 (multi-device), typing, presence, settings → `devices.ts`
 * - history → `history.ts`; HTTP → `http.ts`
 * - v1.1 additions (conversations, read, group.info) → `conversations.ts`
 * - Guarantee 1 (durable on `sent`) → `kill9.test.ts`; random schedules →
 *   `schedules.property.test.ts`; hostile input → `fuzz.test.ts`.
 */
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { Harness, type Target } from './harness.ts';
import { authorizationTests } from './sections/authorization.ts';
import { connectingTests } from './sections/connecting.ts';
import { conversationsTests } from './sections/conversations.ts';
import { deliveryTests } from './sections/delivery.ts';
import { devicesTests } from './sections/devices.ts';
import { framesTests } from './sections/frames.ts';
import { groupsTests } from './sections/groups.ts';
import { historyTests } from './sections/history.ts';
import { httpTests } from './sections/http.ts';
import { receiptsTests } from './sections/receipts.ts';
import { type ClientTransport, wsJson } from './transports.ts';

export type { Target } from './harness.ts';

/**
 * Registers the suite under `name` against what `start` brings up. `transport`
 * is the one `start`'s target will name (default JSON over WebSocket): the
 * suite needs it before the target exists, to choose its tests.
 */
export function runProtocolSuite(
  name: string,
  start: () => Promise<Target>,
  transport: ClientTransport = wsJson,
): void {
  describe(name, () => {
    const h = new Harness(transport);
    beforeAll(async () => {
      h.target = await start();
    });
    afterEach(() => h.cleanup());
    afterAll(async () => {
      await h.cleanup();
      if (h.started) await h.target.close();
      h.target = undefined;
    });
    // Upgrades, 401s and `?token=` are WebSocket's; another transport brings its own.
    if (h.transport.websocket) connectingTests(h);
    framesTests(h);
    deliveryTests(h);
    receiptsTests(h);
    authorizationTests(h);
    groupsTests(h);
    devicesTests(h);
    historyTests(h);
    httpTests(h);
    conversationsTests(h);
  });
}
