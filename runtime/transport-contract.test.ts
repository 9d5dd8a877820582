/** The transport contract suite against the in-process network, on the real clock. */
import { InProcessNetwork, type InProcessTransport, sleep, systemClock } from './index.ts';
import { runTransportContract } from './testing/transport-contract.ts';

runTransportContract('in-process', () => {
  const net = new InProcessNetwork(systemClock, { maxFrameBytes: 64 * 1024 });
  const started: InProcessTransport[] = [];
  return {
    async start(nodes) {
      for (const n of nodes) started.push(net.join(n));
      return started;
    },
    async disrupt() {
      for (const t of started) net.isolate(t.node);
      await sleep(systemClock, 20);
      for (const t of started) net.rejoin(t.node);
    },
    async stop() {
      for (const t of started) await t.close();
    },
  };
});
